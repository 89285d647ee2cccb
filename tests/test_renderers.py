"""core.renderers.PortalRenderer writes <select> in Python: the markup must be the very characters
Django's own templates write, for every kind of select the portal's forms and filters use."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from core.renderers import PortalRenderer


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "全部"), ("a", "甲"), ("b", 'B & "引号" <b>')])
    grouped = forms.ChoiceField(
        choices=[("", "---------"), ("消防", [("fire", "消防安全"), ("exit", "疏散通道")]), ("other", "其他")]
    )
    numbers = forms.TypedChoiceField(choices=[(1, "一"), (2, "二"), (None, "无")], coerce=int, required=False)
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y"), ("z", "Z")], required=False)
    styled = forms.ChoiceField(
        choices=[("a", mark_safe("<em>甲</em>")), ("b", "乙")],
        widget=forms.Select(
            attrs={"class": "form-select", "data-x": 'a"b', "disabled": True, "hidden": False}
        ),
    )
    boolean = forms.NullBooleanField()


class OwnOption(forms.Select):
    option_template_name = "django/forms/widgets/radio_option.html"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {
            "plain": "b",
            "grouped": "exit",
            "numbers": "2",
            "many": ["x", "z"],
            "styled": "a",
            "boolean": "true",
        },
        {"plain": "<zz>", "grouped": "other", "many": ["y"], "boolean": "false"},
    ],
)
def test_select_markup_is_djangos_own(data):
    ours = Everything(data or None, prefix="f" if data else None, renderer=PortalRenderer())
    django_form = Everything(data or None, prefix="f" if data else None, renderer=DjangoTemplates())
    for name in Everything.base_fields:
        assert str(ours[name]) == str(django_form[name]), name


def test_widgets_with_their_own_option_template_keep_djangos_path():
    class F(forms.Form):
        pick = forms.ChoiceField(choices=[("a", "甲")], widget=OwnOption)

    assert str(F(renderer=PortalRenderer())["pick"]) == str(F(renderer=DjangoTemplates())["pick"])


def test_the_portal_uses_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), PortalRenderer)
