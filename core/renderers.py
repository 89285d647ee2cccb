"""The portal's form renderer: Django's own templates, with `<select>` written in Python.

Django renders each `<option>` through two templates (select_option.html and attrs.html),
about 0.09 ms an option: the province user's region filter (130 options) cost 12 ms of every
ledger request. `render_select` writes the same markup (the same characters, tested against the
templates in tests/test_renderers.py) in a few microseconds an option. Widgets with their own
templates, or options with their own option template, keep Django's path.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape as escape
from django.utils.safestring import SafeString, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    # as django/forms/widgets/attrs.html: False omitted, True bare, anything else as a string
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_select(widget: dict) -> SafeString:
    """The markup of django/forms/widgets/select.html for a widget context (`widget.get_context()
    ["widget"]`), whitespace included."""
    parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escape(group_name)}">')
        for option in group_choices:
            parts.append(
                f'\n  <option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
                f"{escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))


class PortalRenderer(DjangoTemplates):
    """settings.FORM_RENDERER: Django's templates, except the plain `<select>` (see the module)."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT and all(
            option["template_name"] == OPTION
            for _n, group, _i in context["widget"]["optgroups"]
            for option in group
        ):
            return render_select(context["widget"])
        return super().render(template_name, context, request)
