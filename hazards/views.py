"""Ledger pages: the list with its counts and inline steps, the hazard's page with its timeline,
and the forms behind each step. The rules live in hazards/services.py; these views parse the
request, call a service and answer (a row fragment for HTMX, a redirect otherwise)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from campaign.indicators.links import HAZARDS, figure_filter
from core import dates
from core.display import field_rows
from core.evidence import visible_evidence
from core.filters import querystring
from core.forms import add_errors
from core.htmx import step_done
from core.permissions import role_required
from core.roles import Role
from core.scoping import sees_several_regions
from hazards import services
from hazards.filters import HazardFilter, filtered_hazards, visible_hazards
from hazards.forms import (
    FIELDSETS,
    WIDE_FIELDS,
    DeleteForm,
    EvidenceUploadForm,
    ExtendForm,
    HazardForm,
    ReferralForm,
    ReplyForm,
    TransitionForm,
)
from hazards.models import Hazard, HazardEvent, Referral, Status, closed_last

PAGE_SIZE = 20
READERS = (Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT)
CHANGED = "hazardsChanged"  # HTMX event: the list's counts reload on it


def grouped_counts(queryset, on=None) -> list[dict]:
    """The ledger's rows counted by (status, listed, deadline passed) in one grouped query — at most
    16 groups, from which every count above the list and the list's own total are summed, whatever
    combination of the status, overdue and listed filters is chosen. A plain COUNT(*): no filter
    duplicates a hazard (a hazard has at most one referral per department, the one join)."""
    today = on or dates.today()
    return list(
        queryset.order_by()
        .annotate(late=ExpressionWrapper(Q(deadline__lt=today), output_field=BooleanField()))
        .values("status", "is_listed", "late")
        .annotate(n=Count("*"))
    )


def _overdue(group) -> bool:
    return group["late"] and group["status"] != Status.CLOSED


def counts_from(groups) -> dict:
    open_ = [g for g in groups if g["status"] != Status.CLOSED]
    return {
        "total": sum(g["n"] for g in groups),
        "overdue": sum(g["n"] for g in open_ if g["late"]),
        "listed": sum(g["n"] for g in open_ if g["is_listed"]),
        **{status: sum(g["n"] for g in groups if g["status"] == status) for status in Status.values},
    }


def matching_total(groups, filterset) -> int:
    """How many rows the list shows: the groups that pass the status, overdue and listed filters
    as the filter set applies them (a value the form refuses filters nothing, as there)."""
    data = filterset.form.cleaned_data if filterset.is_bound else {}
    status, overdue, listed = data.get("status"), data.get("overdue"), data.get("is_listed")
    total = 0
    for group in groups:
        if status and group["status"] != status:
            continue
        if overdue in ("yes", "no") and _overdue(group) != (overdue == "yes"):
            continue
        if listed in ("yes", "no") and group["is_listed"] != (listed == "yes"):
            continue
        total += group["n"]
    return total


class CountedPaginator(Paginator):
    """A paginator told its total (summed from the status counts): no COUNT(*) of its own."""

    def __init__(self, object_list, per_page, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property


def _row_context(request, hazard: Hazard) -> dict:
    return {"hazard": hazard, "steps": services.transitions_for(request.user, hazard)}


@role_required(*READERS)
def hazard_list(request):
    # A dashboard number's list (campaign.indicators.links): the hazards that figure counted.
    figure = figure_filter(request, HAZARDS)
    visible = visible_hazards(request.user)
    if figure is not None:
        visible = visible.filter(pk__in=figure.members.values("pk"))
    queryset = (
        visible.select_related("institution", "region")
        .with_overdue()
        # Open hazards first, the nearest deadline on top (a column's sort order replaces this),
        # as indexed (Hazard.Meta.indexes: hazard_ledger_idx, hazard_ledger_region_idx).
        .alias(closed_last=closed_last())
        .order_by("closed_last", "deadline", "pk")
    )
    filterset, results = filtered_hazards(request, queryset)
    # The counts ignore the status filters, so each count says what clicking it would show; the
    # same groups give the list its total.
    _unused, counted = filtered_hazards(request, visible, ignore=("status", "overdue", "is_listed"))
    groups = grouped_counts(counted)
    counts = counts_from(groups)
    context = {
        "figure": figure,
        "filter": filterset,
        "counts": counts,
        "status_tiles": [(value, label, counts[value]) for value, label in Status.choices],
        "counts_querystring": querystring(request, "status", "overdue", "is_listed"),
        "querystring": querystring(request),
        "can_record": services.can_record(request.user),
        "can_import": request.user.role == Role.DISTRICT,
        # only district and institution staff take steps; the others read
        "hide_steps": request.user.role not in (Role.DISTRICT, Role.INSTITUTION),
        # a region column only for a reader who sees several (hazards/labels.py)
        "show_region": sees_several_regions(request.user),
    }
    if request.GET.get("fragment") == "counts":
        return render(request, "hazards/_counts.html", context)
    page = CountedPaginator(results, PAGE_SIZE, matching_total(groups, filterset)).get_page(
        request.GET.get("page")
    )
    context["page"] = page
    context["rows"] = [_row_context(request, hazard) for hazard in page]
    template = "hazards/_list_results.html" if request.htmx else "hazards/list.html"
    return render(request, template, context)


@role_required(*READERS)
@require_GET
def institution_options(request):
    """The ledger filter's institution list for what was typed (htmx type-ahead): at most
    INSTITUTION_CHOICES visible institutions, inside the chosen region; the current choice is
    kept only when it still matches."""
    filterset = HazardFilter(
        request.GET, queryset=Hazard.objects.none(), request=request, keep_selected=False
    )
    return render(request, "hazards/_institution_options.html", {"field": filterset.form["institution"]})


def _detail_queryset(user):
    return (
        visible_hazards(user)
        # "finding": the inspection finding a hazard was raised from (inspections.Finding.hazard),
        # shown as 来自检查记录 … in the same query
        .select_related("institution", "region", "created_by", "verified_by", "finding__inspection")
        .with_overdue()
    )


@role_required(*READERS)
def hazard_detail(request, pk):
    hazard = get_object_or_404(_detail_queryset(request.user), pk=pk)
    return render(request, "hazards/detail.html", _detail_context(request, hazard))


def _detail_context(request, hazard, **forms) -> dict:
    user = request.user
    referrals = list(
        Referral.objects.visible_to(user).filter(hazard=hazard).select_related("referred_by", "replied_by")
    )
    files = list(
        visible_evidence(user)
        .filter(
            owner_type__model__in=["hazard", "referral"], owner_id__in=[hazard.pk, *[r.pk for r in referrals]]
        )
        .select_related("uploaded_by", "owner_type")
    )
    hazard_files = [f for f in files if f.owner_type.model == "hazard" and f.owner_id == hazard.pk]
    for referral in referrals:
        referral.files = [f for f in files if f.owner_type.model == "referral" and f.owner_id == referral.pk]
        referral.can_reply = services.can_reply(user, referral)
        referral.reply_form = forms.get("reply_forms", {}).get(referral.pk) or ReplyForm(
            prefix=f"r{referral.pk}", initial={"replied_on": dates.today()}
        )
    steps = services.transitions_for(user, hazard)
    return {
        "hazard": hazard,
        "fieldsets": _fieldsets(hazard),
        "events": visible_events(user, hazard, referrals),
        "deadline_changes": hazard.deadline_changes.select_related("changed_by"),
        "before_files": [f for f in hazard_files if f.purpose == services.EvidencePurpose.BEFORE],
        "after_files": [f for f in hazard_files if f.purpose == services.EvidencePurpose.AFTER],
        "referrals": referrals,
        "steps": steps,
        # each step its own form (its own box and label), the refused one bound with its errors
        "step_forms": [
            (
                step,
                forms.get("step_forms", {}).get(step.action)
                or TransitionForm(transition=step, initial={"expected_version": hazard.version}),
            )
            for step in steps
        ],
        # a refused step that is no longer on offer (the hazard moved on meanwhile): its reason
        "step_errors": [
            message
            for action, form in forms.get("step_forms", {}).items()
            if action not in {step.action for step in steps}
            for messages_ in form.errors.values()
            for message in messages_
        ],
        "can_edit": services.can_edit(user, hazard),
        "can_add_evidence": services.can_add_evidence(user, hazard),
        "can_refer": services.can_refer(user, hazard),
        "can_delete": services.is_district_staff(user),
        "extend_form": forms.get("extend_form")
        or ExtendForm(initial={"expected_version": hazard.version, "new_deadline": hazard.deadline}),
        "evidence_form": forms.get("evidence_form") or EvidenceUploadForm(initial={"purpose": "after"}),
        "referral_form": forms.get("referral_form") or ReferralForm(initial={"referred_on": dates.today()}),
        "delete_form": forms.get("delete_form") or DeleteForm(),
    }


def visible_events(user, hazard, referrals) -> list:
    """The hazard's timeline as `user` may read it: a written notice and its reply (书面告知, between
    authorities) only when the reader sees that referral (`referrals`, already scoped): an
    institution's user sees none, a department's user its own department's. Their notes name the
    department (and hold the reply), so the other events are kept whole."""
    events = list(hazard.events.select_related("by"))
    if user.role not in (Role.INSTITUTION, Role.DEPARTMENT):
        return events
    told = {referral.get_department_display() for referral in referrals}
    private = {HazardEvent.Action.REFER, HazardEvent.Action.REPLY}
    return [
        event
        for event in events
        if event.action not in private or any(event.note.startswith(name) for name in told)
    ]


def _fieldsets(hazard):
    return [
        (
            legend,
            field_rows(hazard, [n for n in names if n not in WIDE_FIELDS]),
            [
                (hazard._meta.get_field(n).verbose_name, getattr(hazard, n) or "—")
                for n in names
                if n in WIDE_FIELDS
            ],
        )
        for legend, names in FIELDSETS
    ]


def _detail_again(request, hazard_pk, status=400, **forms):
    hazard = get_object_or_404(_detail_queryset(request.user), pk=hazard_pk)
    return render(request, "hazards/detail.html", _detail_context(request, hazard, **forms), status=status)


@role_required(Role.DISTRICT, superuser=False)
def hazard_create(request):
    """Record a hazard, with its "before" photos on the same form (all or nothing: a refused file
    refuses the whole submission, naming the file)."""
    initial = {"found_on": dates.today(), "institution": request.GET.get("institution")}
    form = HazardForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            hazard = services.hazard_create(
                hazard=form.instance, by=request.user, photos=form.cleaned_data.get("photos") or ()
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            photos = len(form.cleaned_data.get("photos") or ())
            if photos:
                text = ngettext(
                    "Hazard %(code)s recorded with %(count)d photo before rectification.",
                    "Hazard %(code)s recorded with %(count)d photos before rectification.",
                    photos,
                ) % {"code": hazard.code, "count": photos}
            else:
                text = _("Hazard %(code)s recorded.") % {"code": hazard.code}
            messages.success(request, text)
            return redirect("hazards:detail", pk=hazard.pk)
    return render(request, "hazards/form.html", {"form": form, "hazard": None, "wide": WIDE_FIELDS})


@role_required(Role.DISTRICT, superuser=False)
def hazard_edit(request, pk):
    hazard = get_object_or_404(visible_hazards(request.user), pk=pk)
    if not services.can_edit(request.user, hazard):
        raise PermissionDenied
    form = HazardForm(request.POST or None, instance=hazard, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.hazard_update(
                hazard=form.instance,
                expected_version=form.cleaned_data["expected_version"] or 0,
                by=request.user,
            )
        except ValidationError as error:  # a concurrent edit too (ConcurrentEditError)
            add_errors(form, error)
        else:
            messages.success(request, _("Changes to %(code)s saved.") % {"code": hazard.code})
            return redirect("hazards:detail", pk=hazard.pk)
    return render(request, "hazards/form.html", {"form": form, "hazard": hazard, "wide": WIDE_FIELDS})


STEPS_CARD = "hazard-steps"  # the id of the hazard page's card of steps (and of the deadline's)
EXTEND_CARD = "hazard-extend"


def _from_card(request, card: str) -> bool:
    """An htmx post from one of the hazard page's cards, which swaps that card in place."""
    return bool(request.htmx) and request.headers.get("HX-Target") == card


def _card_again(request, pk, template: str, **forms):
    """The hazard page's card (steps or deadline) again, with the refused form's errors in place:
    200, so htmx swaps it (the address bar stays the hazard's page)."""
    hazard = get_object_or_404(_detail_queryset(request.user), pk=pk)
    return render(request, template, _detail_context(request, hazard, **forms))


def _done(request, pk, text: str):
    """After a step: the message, then the hazard's page (a whole page: status, timeline and the
    next steps all change). For htmx, the card's answer says where to go (HX-Redirect) and carries
    the card as it now is, so a repeated submission (core.submissions replays the body) shows the
    new state rather than nothing."""
    messages.success(request, text)

    def card():
        hazard = get_object_or_404(_detail_queryset(request.user), pk=pk)
        template = "hazards/_extend.html" if _from_card(request, EXTEND_CARD) else "hazards/_steps.html"
        return render(request, template, _detail_context(request, hazard))

    return step_done(request, reverse("hazards:detail", args=[pk]), card=card)


@require_POST
@role_required(Role.DISTRICT, Role.INSTITUTION, superuser=False)
def hazard_transition(request, pk, action):
    """Take a workflow step. Three callers: the ledger's row (htmx; the note from `HX-Prompt`; the
    row swapped), the hazard page's step card (htmx; errors in place in that card, success loads
    the page with a message saying what was done) and a plain form post (errors on the page)."""
    hazard = get_object_or_404(visible_hazards(request.user), pk=pk)
    transition = services.TRANSITIONS.get(action)
    from_row = bool(request.htmx) and not _from_card(request, STEPS_CARD)
    form = TransitionForm(request.POST, transition=None if from_row else transition)
    valid = form.is_valid()
    note = form.cleaned_data.get("note") or request.headers.get("HX-Prompt", "")
    error_text = ""
    try:
        if valid or from_row:
            hazard = services.hazard_transition(
                hazard=hazard,
                action=action,
                by=request.user,
                note=note,
                expected_version=form.cleaned_data.get("expected_version"),
            )
    except ValidationError as error:
        error_text = " ".join(error.messages)
        add_errors(form, error)
    if not from_row and form.errors:
        forms = {"step_forms": {action: form}}
        if request.htmx:
            return _card_again(request, pk, "hazards/_steps.html", **forms)
        return _detail_again(request, pk, **forms)
    if from_row:
        hazard = get_object_or_404(_detail_queryset(request.user), pk=pk)
        response = render(
            request, "hazards/_row.html", {**_row_context(request, hazard), "error": error_text}
        )
        if not error_text:
            response["HX-Trigger"] = CHANGED
        return response
    return _done(request, pk, transition.done % {"code": hazard.code})


@require_POST
@role_required(Role.DISTRICT, superuser=False)
def hazard_extend(request, pk):
    hazard = get_object_or_404(visible_hazards(request.user), pk=pk)
    form = ExtendForm(request.POST)
    if form.is_valid():
        old = hazard.deadline
        try:
            services.hazard_extend(
                hazard=hazard,
                new_deadline=form.cleaned_data["new_deadline"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["expected_version"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            new = form.cleaned_data["new_deadline"]
            values = {"code": hazard.code, "date": new.isoformat(), "old": old.isoformat()}
            text = (
                _("%(code)s: deadline extended to %(date)s (it was %(old)s; the original deadline is kept).")
                if new > old
                else _(
                    "%(code)s: deadline brought forward to %(date)s (it was %(old)s; the original deadline is kept)."
                )
            )
            return _done(request, pk, text % values)
    if _from_card(request, EXTEND_CARD):
        return _card_again(request, pk, "hazards/_extend.html", extend_form=form)
    return _detail_again(request, pk, extend_form=form)


@require_POST
@role_required(Role.DISTRICT, Role.INSTITUTION, superuser=False)
def evidence_upload(request, pk):
    hazard = get_object_or_404(visible_hazards(request.user), pk=pk)
    form = EvidenceUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(
                hazard=hazard,
                file=form.cleaned_data["file"],
                purpose=form.cleaned_data["purpose"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("File added."))
            return redirect("hazards:detail", pk=pk)
    return _detail_again(request, pk, evidence_form=form)


@require_POST
@role_required(Role.DISTRICT, superuser=False)
def referral_create(request, pk):
    hazard = get_object_or_404(visible_hazards(request.user), pk=pk)
    form = ReferralForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            referral = services.referral_create(
                hazard=hazard,
                department=form.cleaned_data["department"],
                referred_on=form.cleaned_data["referred_on"],
                note=form.cleaned_data["note"],
                notice=form.cleaned_data["notice"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Written notice to %(department)s recorded.")
                % {"department": referral.get_department_display()},
            )
            return redirect("hazards:detail", pk=pk)
    return _detail_again(request, pk, referral_form=form)


@require_POST
@role_required(Role.DEPARTMENT, superuser=False)
def referral_reply(request, pk):
    referral = get_object_or_404(
        Referral.objects.visible_to(request.user).filter(hazard__deleted_at__isnull=True), pk=pk
    )
    form = ReplyForm(request.POST, request.FILES, prefix=f"r{referral.pk}")
    if form.is_valid():
        try:
            services.referral_reply(
                referral=referral,
                reply=form.cleaned_data["reply"],
                replied_on=form.cleaned_data["replied_on"],
                attachment=form.cleaned_data.get("attachment"),
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Reply recorded."))
            return redirect("hazards:detail", pk=referral.hazard_id)
    return _detail_again(request, referral.hazard_id, reply_forms={referral.pk: form})


@require_POST
@role_required(Role.DISTRICT, superuser=False)
def hazard_delete(request, pk):
    hazard = get_object_or_404(visible_hazards(request.user), pk=pk)
    form = DeleteForm(request.POST)
    if form.is_valid():
        services.hazard_delete(hazard=hazard, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, _("Hazard %(code)s deleted from the ledger.") % {"code": hazard.code})
        return redirect("hazards:list")
    return _detail_again(request, pk, delete_form=form)
