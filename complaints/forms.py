"""The complaint's intake form, its steps (route, result, reply, close), the hazard raised from
it in one step, and the list's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.models import Category, Complaint, Status
from core import dates
from core.forms import BootstrapMixin, VersionField
from core.models import Region
from core.roles import Department
from core.widgets import ISODateField
from hazards.labels import institution_labeller
from hazards.models import CATEGORIES as HAZARD_CATEGORIES
from hazards.models import Hazard, Severity
from institutions.models import Institution


class ComplaintForm(BootstrapMixin, forms.ModelForm):
    deadline = ISODateField(
        label=_("handling deadline"),
        required=False,
        help_text=_("Leave empty: 15 working days after the day of receipt."),
    )

    class Meta:
        model = Complaint
        fields = [
            "channel",
            "received_on",
            "institution",
            "category",
            "content",
            "complainant_name",
            "complainant_contact",
            "deadline",
        ]
        widgets = {"content": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = (
            Institution.objects.visible_to(user).select_related("region").order_by("region__sort_key", "name")
        )
        self.fields["institution"].label_from_instance = institution_labeller(user)
        if not self.is_bound:
            self.fields["received_on"].initial = dates.today()


class StepForm(BootstrapMixin, forms.Form):
    expected_version = VersionField()


class RouteForm(StepForm):
    department = forms.ChoiceField(
        label=_("competent department"),
        required=False,
        choices=[("", _("Civil affairs itself")), *Department.choices],
    )


class ResultForm(StepForm):
    result = forms.CharField(label=_("handling result"), widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(StepForm):
    reply = forms.CharField(label=_("reply to the complainant"), widget=forms.Textarea(attrs={"rows": 3}))
    replied_on = ISODateField(label=_("replied on"))


class CloseForm(StepForm):
    pass


class HazardFromComplaintForm(BootstrapMixin, forms.ModelForm):
    """The hazard's own fields; the institution, source (投诉举报) and found-on day come from the
    complaint."""

    expected_version = VersionField()

    class Meta:
        model = Hazard
        fields = ["category", "severity", "description", "responsible_unit", "responsible_person", "deadline"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", self.fields["category"].choices[0][1]), *HAZARD_CATEGORIES]
        self.fields["severity"].choices = Severity.choices


class FilterForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(label=_("status"), required=False, choices=[("", _("All")), *Status.choices])
    category = forms.ChoiceField(
        label=pgettext_lazy("complaint", "category"),
        required=False,
        choices=[("", _("All")), *Category.choices],
    )
    region = forms.ModelChoiceField(label=_("region"), required=False, queryset=Region.objects.none())
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, user, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is None:
            del self.fields["region"]
        else:
            self.fields["region"].queryset = regions
            self.fields["region"].empty_label = _("All")
