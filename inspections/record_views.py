"""Pages of the inspection records: the list, a new ad hoc record, a record from a drawn
institution, the record page (each point a card: 符合 / 不符合 / 不适用, note, photos), the
finding-to-hazard step, the written notice, the conclusion and the A4 print view. Reads go through
`visible_to`; POSTs through the one-time token (core.submissions)."""

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import dates
from core import evidence as evidence_files
from core import photos as photo_module
from core.forms import BootstrapMixin, add_errors
from core.htmx import step_done
from core.models import Evidence
from core.permissions import STAFF, role_required
from core.roles import Department, Role
from core.widgets import ISODateField, PortalFileInput
from hazards import services as hazard_services
from hazards.filters import visible_hazards
from hazards.models import Referral, Severity
from inspections import records
from inspections.directory import department_name
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
    inspected_on = ISODateField(label=gettext_lazy("inspected on"))
    inspectors = forms.ModelMultipleChoiceField(
        label=gettext_lazy("inspectors"),
        queryset=Inspector.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    items = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Inspection items"),
        queryset=InspectionItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in Kind.choices if c[0] != Kind.RANDOM]
        self.fields["institution"].queryset = Institution.objects.visible_to(user).order_by("name")
        city = user.region if user.role == Role.CITY else user.region.parent
        self.fields["inspectors"].queryset = (
            Inspector.objects.filter(region__path__startswith=city.path, active=True)
            .select_related("region")
            .order_by("region__sort_key", "name")
        )
        self.fields["inspectors"].label_from_instance = lambda i: (
            f"{i.name}（{department_name(i.department)} · {i.region.name}）"
        )
        self.fields["items"].queryset = InspectionItem.objects.visible_to(user).filter(active=True)
        self.fields["inspected_on"].initial = dates.today()


class FindingForm(BootstrapMixin, forms.Form):
    """A point's card: 符合 / 不符合 / 不适用, note, photos (the Chinese file picker, the phone's
    camera), and the version the card was opened at."""

    answer = forms.ChoiceField(label=gettext_lazy("Result"), choices=Finding.Answer.choices)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Never bound to the upload (the view passes the files to the service, which checks them all):
    # a field so that the picker is the portal's and a refused photo's message is named 照片.
    photos = forms.FileField(
        label=gettext_lazy("Photos"),
        required=False,
        widget=PortalFileInput(multiple=True, attrs={"capture": "environment", "data-testid": "photo-input"}),
    )
    expected_version = forms.IntegerField(
        label=gettext_lazy("version"), widget=forms.HiddenInput, min_value=1
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs["accept"] = evidence_files.accept_attribute()


class HazardForm(BootstrapMixin, forms.Form):
    deadline = ISODateField(label=gettext_lazy("rectification deadline"))
    severity = forms.ChoiceField(
        label=gettext_lazy("severity"), choices=Severity.choices, initial=Severity.GENERAL
    )


class NoticeForm(BootstrapMixin, forms.Form):
    department = forms.ChoiceField(label=gettext_lazy("competent department"), choices=Department.choices)
    notice = forms.FileField(label=gettext_lazy("written notice"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notice"].widget.attrs["accept"] = evidence_files.accept_attribute()


class ConcludeForm(BootstrapMixin, forms.Form):
    conclusion = forms.ChoiceField(label=gettext_lazy("conclusion"), choices=Inspection.Conclusion.choices)
    summary = forms.CharField(
        label=gettext_lazy("Summary of the inspection"), widget=forms.Textarea(attrs={"rows": 3})
    )


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
    initial = {name: request.GET[name] for name in ("kind", "institution") if request.GET.get(name)}
    form = InspectionForm(request.POST or None, user=request.user, initial=initial)
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


def _referrals(user) -> Prefetch:
    """A finding's written notices as `user` sees them (between authorities: an institution's user
    none, a department's user its own)."""
    return Prefetch("hazard__referrals", queryset=Referral.objects.visible_to(user))


def _findings(inspection, user, only: int | None = None) -> list[Finding]:
    """The record's findings in checklist order (or only finding `only`), each with `photos` (its
    live evidence, annotated for `user`: caption, flags, reuses). Two queries and the photo checks."""
    findings = (
        inspection.findings.select_related("point__item", "hazard")
        .prefetch_related(_referrals(user))
        .order_by("point__item__code", "point__number")
    )
    if only is not None:
        findings = findings.filter(pk=only)
    findings = list(findings)
    files = list(
        Evidence.objects.live().filter(
            owner_type=ContentType.objects.get_for_model(Finding), owner_id__in=[f.pk for f in findings]
        )
    )
    photo_module.annotate(files, user)
    by_finding = {}
    for file in files:
        by_finding.setdefault(file.owner_id, []).append(file)
    for finding in findings:
        finding.photos = by_finding.get(finding.pk, [])
    _mark_visible_hazards(findings, user)
    return findings


def _mark_visible_hazards(findings, user) -> None:
    """`hazard_visible` on each finding: its hazard is one `user` may open (a department reads a
    record whose items name it, but only the hazards told to it). One query, when there are any."""
    ids = [f.hazard_id for f in findings if f.hazard_id]
    seen = set(visible_hazards(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    for finding in findings:
        finding.hazard_visible = finding.hazard_id in seen


def _card_forms(findings, error_finding=None, **bound) -> None:
    """Each finding's own forms (`save_form`, `hazard_form`, `notice_form`), their ids prefixed
    with the finding's (many cards on one page) and their names plain. The refused card gets the
    bound forms given (`error_form`, `hazard_form`, `notice_form`): what the inspector typed, its
    errors, and `input_kept` (the card also says what is stored now: after a concurrent save, the
    two differ)."""
    for finding in findings:
        auto_id = f"id_f{finding.pk}_%s"
        mine = finding.pk == error_finding
        save = bound.get("error_form") if mine else None
        finding.input_kept = save is not None
        finding.save_form = save or FindingForm(
            initial={"answer": finding.answer, "note": finding.note}, auto_id=auto_id
        )
        finding.hazard_form = (bound.get("hazard_form") if mine else None) or HazardForm(auto_id=auto_id)
        finding.notice_form = (bound.get("notice_form") if mine else None) or NoticeForm(auto_id=auto_id)
        for form in (finding.save_form, finding.hazard_form, finding.notice_form):
            form.auto_id = auto_id


def _bound(forms_by_name) -> dict:
    names = ("error_finding", "error_form", "hazard_form", "notice_form")
    return {name: forms_by_name[name] for name in names if forms_by_name.get(name) is not None}


def _card_context(request, inspection, **forms_by_name) -> dict:
    """What a finding's card needs (`inspections/_finding.html`), on the page and alone."""
    user = request.user
    return {
        "inspection": inspection,
        "can_edit": records.can_record(user) and not inspection.is_concluded,
        "can_hazard": hazard_services.can_record(user),
        "error_finding": forms_by_name.get("error_finding"),
        "done": forms_by_name.get("done", ""),
        "progress": records.progress(inspection),
    }


def _record_page(request, inspection, status=200, **forms_by_name):
    findings = _findings(inspection, request.user)
    _card_forms(findings, **_bound(forms_by_name))
    context = {
        **_card_context(request, inspection, **forms_by_name),
        "findings": findings,
        "inspectors": list(inspection.inspectors.all()),
        "items": list(inspection.items.all()),
        "conclude_form": forms_by_name.get("conclude_form") or ConcludeForm(),
        # the draw's page and the publication date are the authority's (institutions and
        # departments do not see draws)
        "can_see_draw": records.can_record(request.user),
        "publication_due": None,
        "due_error": "",
    }
    try:
        context["publication_due"] = records.publication_due(inspection)
    except Exception as error:  # UnknownCalendarYear: its Chinese message on the page
        context["due_error"] = str(error)
    return render(request, "inspections/record_detail.html", context, status=status)


def _from_card(request, finding) -> bool:
    """An htmx post from the finding's own card (`#finding-<pk>`), which swaps that card in place."""
    return bool(request.htmx) and request.headers.get("HX-Target") == f"finding-{finding.pk}"


def _card(request, finding, **forms_by_name):
    """The finding's card as it now is: 200 (htmx swaps only a 2xx), with the refused form's errors
    in place or `done` saying what was saved. The inspector's place on a long record stays."""
    inspection = _record_or_404(request.user, finding.inspection_id)
    (fresh,) = _findings(inspection, request.user, only=finding.pk)
    _card_forms([fresh], **_bound({**forms_by_name, "error_finding": finding.pk}))
    context = {
        **_card_context(request, inspection, error_finding=finding.pk, **forms_by_name),
        "f": fresh,
        "progress_oob": True,  # the record's count above the cards follows the save
    }
    return render(request, "inspections/_finding.html", context)


def _after(request, finding, status=400, done="", **forms_by_name):
    """The answer to a finding's form: its card (htmx), else the record's page (errors, 400) or a
    redirect to the finding on it (done, with `done` as the message)."""
    if _from_card(request, finding):
        return _card(request, finding, done=done, **forms_by_name)
    if done:
        messages.success(request, done)
        return redirect(f"{_detail_url(finding)}#finding-{finding.pk}")
    return _record_page(request, finding.inspection, status=status, error_finding=finding.pk, **forms_by_name)


def _record_or_404(user, pk) -> Inspection:
    return get_object_or_404(_records(user).select_related("drawn__draw", "created_by"), pk=pk)


@role_required(*READERS)
def record_detail(request, pk):
    return _record_page(request, _record_or_404(request.user, pk))


@role_required(*READERS)
def record_print(request, pk):
    user = request.user
    inspection = _record_or_404(user, pk)
    findings = list(
        inspection.findings.select_related("point__item", "hazard")
        .prefetch_related(_referrals(user))
        .order_by("point__item__code", "point__number")
    )
    _mark_visible_hazards(findings, user)
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
    """Save a point (answer, note, photos) from its card: htmx swaps the card (errors in place, or
    已保存); a plain post goes back to the point on the page."""
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
                expected_version=form.cleaned_data["expected_version"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            point = f"{finding.point.item.code}.{finding.point.number}"
            return _after(request, finding, done=_("Point %(point)s saved.") % {"point": point})
    return _after(request, finding, error_form=form)


def _detail_url(finding) -> str:
    return reverse("inspections:record_detail", args=[finding.inspection_id])


@require_POST
@role_required(Role.DISTRICT, superuser=False)
def finding_hazard(request, pk):
    finding = _finding_or_404(request.user, pk)
    form = HazardForm(request.POST)
    if form.is_valid():
        try:
            hazard, _created = records.finding_to_hazard(
                finding=finding,
                deadline=form.cleaned_data["deadline"],
                severity=form.cleaned_data["severity"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            return _after(
                request, finding, done=_("Hazard %(code)s recorded in the ledger.") % {"code": hazard.code}
            )
    return _after(request, finding, hazard_form=form)


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
            return _after(request, finding, done=_("The written notice to the department is recorded."))
    return _after(request, finding, notice_form=form)


CONCLUDE_CARD = "conclude"


@require_POST
@role_required(*STAFF, superuser=False)
def record_conclude(request, pk):
    """Conclude the record. From its card (htmx): a refusal swaps the card with the errors and
    what was typed; a conclusion loads the record's page (HX-Redirect) with the message. A plain
    post: the page with the errors (400), or a redirect."""
    inspection = _record_or_404(request.user, pk)
    form = ConcludeForm(request.POST)
    from_card = bool(request.htmx) and request.headers.get("HX-Target") == CONCLUDE_CARD
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
            url = reverse("inspections:record_detail", args=[inspection.pk])
            return step_done(request, url, from_card=from_card)
    if from_card:
        return render(
            request, "inspections/_conclude.html", {"inspection": inspection, "conclude_form": form}
        )
    return _record_page(request, inspection, status=400, conclude_form=form)


@role_required(*STAFF)
def filing_check_list(request):
    """Measure 三: the on-site checks due within 20 working days of filing, per region (the user's
    scope), since the start of last year."""
    since = records.filing_checks_since(dates.today())
    checks = records.filing_checks(request.user, since=since)
    counts = {
        state: sum(1 for c in checks if c.state == state) for state in ("due", "overdue", "done", "unknown")
    }
    return render(
        request, "inspections/filing_checks.html", {"checks": checks, "counts": counts, "since": since}
    )
