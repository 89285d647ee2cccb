"""Pages of the inspection records: the list, a new ad hoc record, a record from a drawn
institution, the record page (each point a card: 符合 / 不符合 / 不适用, note, photos), the
finding-to-hazard step, the written notice, the conclusion and the A4 print view. Reads go through
`visible_to`; POSTs through the one-time token (core.submissions)."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import dates
from core import evidence as evidence_files
from core import photos as photo_module
from core.forms import BootstrapMixin, add_errors
from core.models import Evidence
from core.permissions import STAFF, role_required
from core.roles import Department, Role
from hazards import services as hazard_services
from hazards.models import Severity
from inspections import records
from inspections.models import DrawnInstitution, Finding, Inspection, InspectionItem, Inspector, Kind
from institutions.models import Institution

READERS = (Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class InspectionForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("kind of inspection"), choices=[])
    institution = forms.ModelChoiceField(
        label=gettext_lazy("institution"), queryset=Institution.objects.none()
    )
    inspected_on = forms.DateField(
        label=gettext_lazy("inspected on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    inspectors = forms.ModelMultipleChoiceField(
        label=gettext_lazy("inspectors"),
        queryset=Inspector.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    items = forms.ModelMultipleChoiceField(
        label=gettext_lazy("inspection items"),
        queryset=InspectionItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in Kind.choices if c[0] != Kind.RANDOM]
        self.fields["institution"].queryset = Institution.objects.visible_to(user).order_by("name")
        city = user.region if user.role == Role.CITY else user.region.parent
        self.fields["inspectors"].queryset = Inspector.objects.filter(
            region__path__startswith=city.path, active=True
        ).order_by("name")
        self.fields["items"].queryset = InspectionItem.objects.visible_to(user).filter(active=True)
        self.fields["inspected_on"].initial = dates.today()


class FindingForm(BootstrapMixin, forms.Form):
    answer = forms.ChoiceField(label=gettext_lazy("result"), choices=Finding.Answer.choices)
    note = forms.CharField(
        label=gettext_lazy("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class HazardForm(BootstrapMixin, forms.Form):
    deadline = forms.DateField(
        label=gettext_lazy("rectification deadline"), widget=forms.DateInput(attrs={"type": "date"})
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("severity"), choices=Severity.choices, initial=Severity.GENERAL
    )


class NoticeForm(BootstrapMixin, forms.Form):
    department = forms.ChoiceField(label=gettext_lazy("competent department"), choices=Department.choices)
    notice = forms.FileField(label=gettext_lazy("written notice"))


class ConcludeForm(BootstrapMixin, forms.Form):
    conclusion = forms.ChoiceField(label=gettext_lazy("conclusion"), choices=Inspection.Conclusion.choices)
    summary = forms.CharField(label=gettext_lazy("summary"), widget=forms.Textarea(attrs={"rows": 3}))


def _records(user):
    return Inspection.objects.visible_to(user).select_related("institution", "region")


@role_required(*READERS)
def record_list(request):
    rows = list(_records(request.user).order_by("-inspected_on", "-pk")[:200])
    return render(
        request,
        "inspections/records.html",
        {"records": rows, "can_record": records.can_record(request.user)},
    )


@role_required(*STAFF, superuser=False)
def record_create(request):
    form = InspectionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = records.inspection_create(
                institution=data["institution"],
                kind=data["kind"],
                inspected_on=data["inspected_on"],
                inspectors=list(data["inspectors"]),
                items=list(data["items"]),
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Inspection record created."))
            return redirect("inspections:record_detail", pk=inspection.pk)
    return render(request, "inspections/record_form.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
@role_required(*STAFF, superuser=False)
def record_from_drawn(request, pk, institution):
    """Open (or, the first time, create) the inspection record of an institution drawn in draw `pk`."""
    drawn = get_object_or_404(
        DrawnInstitution.objects.filter(
            institution__in=Institution.objects.visible_to(request.user).values("pk"),
            draw__in=_visible_draws(request.user),
            draw__status="drawn",
        ),
        draw_id=pk,
        institution_id=institution,
    )
    inspection, created = records.inspection_from_drawn(drawn=drawn, by=request.user)
    if created:
        messages.success(request, _("Inspection record created with the drawn team and items."))
    return redirect("inspections:record_detail", pk=inspection.pk)


def _visible_draws(user):
    from inspections.models import Draw

    return Draw.objects.visible_to(user).values("pk")


def _record_page(request, inspection, status=200, **forms_by_name):
    findings = list(
        inspection.findings.select_related("point__item", "hazard").order_by(
            "point__item__code", "point__number"
        )
    )
    files = list(
        Evidence.objects.live().filter(
            owner_type=ContentType.objects.get_for_model(Finding), owner_id__in=[f.pk for f in findings]
        )
    )
    photo_module.annotate(files, request.user)
    by_finding = {}
    for file in files:
        by_finding.setdefault(file.owner_id, []).append(file)
    for finding in findings:
        finding.photos = by_finding.get(finding.pk, [])
    user = request.user
    staff = records.can_record(user)
    context = {
        "inspection": inspection,
        "findings": findings,
        "inspectors": list(inspection.inspectors.all()),
        "items": list(inspection.items.all()),
        "can_edit": staff and not inspection.is_concluded,
        "can_hazard": hazard_services.can_record(user),
        "hazard_form": forms_by_name.get("hazard_form") or HazardForm(),
        "notice_form": NoticeForm(),
        "conclude_form": forms_by_name.get("conclude_form") or ConcludeForm(),
        "error_finding": forms_by_name.get("error_finding"),
        "error_form": forms_by_name.get("error_form"),
        "accept": evidence_files.accept_attribute(),
        "publication_due": None,
        "due_error": "",
    }
    try:
        context["publication_due"] = records.publication_due(inspection)
    except Exception as error:  # UnknownCalendarYear: its Chinese message on the page
        context["due_error"] = str(error)
    return render(request, "inspections/record_detail.html", context, status=status)


def _record_or_404(user, pk) -> Inspection:
    return get_object_or_404(_records(user).select_related("drawn__draw", "created_by"), pk=pk)


@role_required(*READERS)
def record_detail(request, pk):
    return _record_page(request, _record_or_404(request.user, pk))


@role_required(*READERS)
def record_print(request, pk):
    inspection = _record_or_404(request.user, pk)
    findings = list(
        inspection.findings.select_related("point__item", "hazard").order_by(
            "point__item__code", "point__number"
        )
    )
    return render(
        request,
        "inspections/record_print.html",
        {"inspection": inspection, "findings": findings, "inspectors": list(inspection.inspectors.all())},
    )


def _finding_or_404(user, pk) -> Finding:
    return get_object_or_404(
        Finding.objects.visible_to(user).select_related("inspection__institution", "point__item", "hazard"),
        pk=pk,
    )


@require_POST
@role_required(*STAFF, superuser=False)
def finding_save(request, pk):
    finding = _finding_or_404(request.user, pk)
    form = FindingForm(request.POST)
    if form.is_valid():
        try:
            records.finding_record(
                finding=finding,
                answer=form.cleaned_data["answer"],
                note=form.cleaned_data["note"],
                photos=request.FILES.getlist("photos"),
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect(f"{_detail_url(finding)}#finding-{finding.pk}")
    return _record_page(request, finding.inspection, status=400, error_finding=finding.pk, error_form=form)


def _detail_url(finding) -> str:
    from django.urls import reverse

    return reverse("inspections:record_detail", args=[finding.inspection_id])


@require_POST
@role_required(Role.DISTRICT, superuser=False)
def finding_hazard(request, pk):
    finding = _finding_or_404(request.user, pk)
    form = HazardForm(request.POST)
    if form.is_valid():
        try:
            hazard, created = records.finding_to_hazard(
                finding=finding,
                deadline=form.cleaned_data["deadline"],
                severity=form.cleaned_data["severity"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        except PermissionDenied:
            raise
        else:
            if created:
                messages.success(
                    request, _("Hazard %(code)s recorded in the ledger.") % {"code": hazard.code}
                )
            return redirect(f"{_detail_url(finding)}#finding-{finding.pk}")
    return _record_page(request, finding.inspection, status=400, error_finding=finding.pk, hazard_form=form)


@require_POST
@role_required(Role.DISTRICT, superuser=False)
def finding_notice(request, pk):
    finding = _finding_or_404(request.user, pk)
    form = NoticeForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            records.finding_notice(
                finding=finding,
                department=form.cleaned_data["department"],
                notice=form.cleaned_data["notice"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The written notice to the department is recorded."))
            return redirect(f"{_detail_url(finding)}#finding-{finding.pk}")
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return _record_page(request, finding.inspection, status=400)


@require_POST
@role_required(*STAFF, superuser=False)
def record_conclude(request, pk):
    inspection = _record_or_404(request.user, pk)
    form = ConcludeForm(request.POST)
    if form.is_valid():
        try:
            records.conclude(
                inspection=inspection,
                conclusion=form.cleaned_data["conclusion"],
                summary=form.cleaned_data["summary"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The inspection is concluded."))
            return redirect("inspections:record_detail", pk=inspection.pk)
    return _record_page(request, inspection, status=400, conclude_form=form)


@role_required(*STAFF)
def filing_check_list(request):
    """Measure 三: the on-site checks due within 20 working days of filing, per region (the user's
    scope), since the start of last year."""
    today = dates.today()
    since = datetime.date(today.year - 1, 1, 1)
    checks = records.filing_checks(request.user, since=since)
    counts = {
        state: sum(1 for c in checks if c.state == state) for state in ("due", "overdue", "done", "unknown")
    }
    return render(
        request, "inspections/filing_checks.html", {"checks": checks, "counts": counts, "since": since}
    )
