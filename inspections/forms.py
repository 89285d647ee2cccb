"""Forms of the directories and draws: Bootstrap classes, Chinese messages naming the field."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from core import dates
from core.forms import BootstrapMixin, VersionField
from core.models import Region
from inspections import draw as algo
from inspections.directory import department_name
from inspections.models import ChecklistPoint, Draw, InspectionItem, Inspector
from institutions.models import Institution, Nature

WEIGHT_LABELS = {
    "base": _("Base weight (every institution)"),
    "abnormal_operation": _("Abnormal operation"),
    "many_complaints": _("Many complaints"),
    "major_hazards": _("Major hazards"),
    "dishonesty": _("Dishonesty record"),
    "violation": _("Violation record"),
    "never_inspected": _("Never inspected"),
}


# The seed sources in the order a city meets them: a value drawn in public at its own meeting (dice
# before witnesses, as in docs/draw-example/) needs nothing from outside and is the default; a
# lottery's or another publisher's figure needs a date announced in advance.
SEED_KIND_CHOICES = sorted(
    Draw.SeedKind.choices, key=lambda choice: choice[0] != Draw.SeedKind.RECORDED_RANDOM
)
DATED_SEED_KINDS = (Draw.SeedKind.LOTTERY, Draw.SeedKind.PUBLISHED_FIGURE)


def _clean_seed_day(form):
    """The seed's day, refused if it is already past (the seed must be unknown at the freeze)."""
    day = form.cleaned_data.get("seed_available_on")
    if day and day < dates.today():
        raise forms.ValidationError(
            _("The seed must be unknown at the freeze: choose today or a later date.")
        )
    return day


def _require_seed_day(form, data):
    """A published value needs its day; only said when the day was left empty, not when it was
    given and refused (one true error per field)."""
    if (
        data.get("seed_kind") in DATED_SEED_KINDS
        and not data.get("seed_available_on")
        and "seed_available_on" not in form.errors
    ):
        form.add_error("seed_available_on", _("Give the date the published value becomes known."))


def _department_choices(field):
    """The departments named as the draws' inputs and pages name them (`directory.department_name`)."""
    field.choices = [(code, department_name(code) if code else label) for code, label in field.choices]


class ItemForm(BootstrapMixin, forms.ModelForm):
    expected_version = VersionField(required=False)

    class Meta:
        model = InspectionItem
        fields = ["code", "name", "department", "legal_basis", "active"]
        widgets = {"legal_basis": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        _department_choices(self.fields["department"])
        self.region = region
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        clash = InspectionItem.objects.filter(region=self.region, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Another item of the list has this code."))
        return code


class PointForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ChecklistPoint
        fields = ["category", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


class InspectorForm(BootstrapMixin, forms.ModelForm):
    """An inspector, with the region limited to the user's units and the conflicts to institutions
    the user can see."""

    expected_version = VersionField(required=False)
    conflict_institutions = forms.ModelMultipleChoiceField(
        label=_("Declared conflicts of interest"),
        queryset=Institution.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Institutions this inspector must never inspect (relatives, former employer, …)."),
    )
    conflict_note = forms.CharField(label=_("Note on the conflicts"), max_length=200, required=False)

    class Meta:
        model = Inspector
        fields = ["name", "department", "region", "certificate_number", "phone", "active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Full name")
        _department_choices(self.fields["department"])
        self.fields["region"].queryset = Region.objects.visible_to(user).order_by("code")
        self.fields["conflict_institutions"].queryset = (
            Institution.objects.visible_to(user).select_related("region").order_by("region__code", "name")
        )
        self.fields["conflict_institutions"].label_from_instance = lambda i: f"{i.name}（{i.region.name}）"
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
            self.fields["conflict_institutions"].initial = [
                r.institution_id for r in self.instance.conflict_rows.all()
            ]
            notes = {r.note for r in self.instance.conflict_rows.all() if r.note}
            self.fields["conflict_note"].initial = "；".join(sorted(notes))


class DrawForm(BootstrapMixin, forms.Form):
    """A new draw: scope, sample rule, items, weights, 回避 and the seed's source."""

    title = forms.CharField(label=_("Title"), max_length=120)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    scope_regions = forms.ModelMultipleChoiceField(
        label=_("Regions"), queryset=Region.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of institution"), choices=Nature.choices, widget=forms.CheckboxSelectMultiple
    )
    items = forms.ModelMultipleChoiceField(
        label=_("Inspection items"),
        queryset=InspectionItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    sample_size = forms.IntegerField(label=_("Number to draw"), min_value=0, initial=0, required=False)
    ratio_percent = forms.CharField(label=_("Ratio (%)"), max_length=8, required=False, initial="5")
    rounding = forms.ChoiceField(label=_("Rounding"), choices=Draw.Rounding.choices, initial="up")
    minimum = forms.IntegerField(label=_("At least"), min_value=0, initial=1, required=False)
    inspectors_per_institution = forms.IntegerField(
        label=_("Inspectors per institution"), min_value=2, max_value=10, initial=2
    )
    avoid_own_region = forms.BooleanField(
        label=_("Avoid inspectors of the institution's own region (回避)"), required=False, initial=True
    )
    max_load = forms.IntegerField(
        label=_("At most institutions per inspector (0: no limit)"), min_value=0, max_value=1000, initial=0
    )
    recent_months = forms.IntegerField(
        label=_("Exclude institutions inspected in the last months (0: none)"),
        min_value=0,
        max_value=120,
        initial=0,
    )
    seed_kind = forms.ChoiceField(
        label=_("Seed source"), choices=SEED_KIND_CHOICES, initial=Draw.SeedKind.RECORDED_RANDOM
    )
    seed_description = forms.CharField(
        label=_("Where the seed comes from"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Exactly which value is the seed and how it is made known: e.g. 20 digits rolled with dice before named witnesses at a named meeting, or the winning numbers of a named lottery draw on a named date, written as published."
        ),
    )
    seed_available_on = forms.DateField(label=_("Seed known on"), required=False)

    def __init__(self, *args, user, city, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_regions"].queryset = city.children.county_level().order_by("code")
        self.fields["items"].queryset = InspectionItem.objects.filter(region=city, active=True).order_by(
            "code"
        )
        for factor, default in algo.DEFAULT_WEIGHTS.items():
            self.fields[f"w_{factor}"] = forms.IntegerField(
                label=WEIGHT_LABELS[factor],
                min_value=1 if factor == "base" else 0,
                max_value=100,
                initial=default,
            )
            self.fields[f"w_{factor}"].widget.attrs["class"] = "form-control"
        self.fields["t_many_complaints"] = forms.IntegerField(
            label=_("Complaints from which they count as many"), min_value=1, max_value=1000, initial=3
        )
        self.fields["t_major_hazards"] = forms.IntegerField(
            label=_("Open major hazards from which the risk counts"), min_value=1, max_value=1000, initial=1
        )
        for name in ("t_many_complaints", "t_major_hazards"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean_ratio_percent(self):
        value = (self.cleaned_data.get("ratio_percent") or "").strip()
        if not value:
            return ""
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not all(c in "0123456789." for c in value) or not 0 <= number <= 100:
            raise forms.ValidationError(_("Write the ratio as a number from 0 to 100, e.g. 5 or 2.5."))
        return value

    def clean_seed_available_on(self):
        return _clean_seed_day(self)

    def clean(self):
        data = super().clean()
        if not (data.get("sample_size") or data.get("ratio_percent") or data.get("minimum")):
            raise forms.ValidationError(_("Set a number to draw, a ratio or a minimum."))
        _require_seed_day(self, data)
        return data

    def draw_values(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "year": d["year"],
            "kinds": sorted(d["kinds"]),
            "sample_size": d.get("sample_size") or 0,
            "ratio_percent": d.get("ratio_percent") or "",
            "rounding": d["rounding"],
            "minimum": d.get("minimum") or 0,
            "inspectors_per_institution": d["inspectors_per_institution"],
            "avoid_own_region": d["avoid_own_region"],
            "max_load": d["max_load"],
            "recent_months": d["recent_months"],
            "weights": {factor: d[f"w_{factor}"] for factor in algo.DEFAULT_WEIGHTS},
            "thresholds": {"many_complaints": d["t_many_complaints"], "major_hazards": d["t_major_hazards"]},
            "seed_kind": d["seed_kind"],
            "seed_description": d["seed_description"].strip(),
            "seed_available_on": d.get("seed_available_on"),
        }


class SeedForm(BootstrapMixin, forms.Form):
    seed = forms.CharField(label=_("Seed, exactly as published"), max_length=200)


class AnnulForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the annulment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class RedrawForm(BootstrapMixin, forms.Form):
    seed_kind = forms.ChoiceField(label=_("Seed source"), choices=SEED_KIND_CHOICES)
    seed_description = forms.CharField(
        label=_("Where the seed comes from"), widget=forms.Textarea(attrs={"rows": 2})
    )
    seed_available_on = forms.DateField(label=_("Seed known on"), required=False)

    def clean_seed_available_on(self):
        return _clean_seed_day(self)

    def clean(self):
        data = super().clean()
        _require_seed_day(self, data)
        return data
