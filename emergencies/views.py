"""Incident and drill pages. Every read goes through `visible_to(request.user)` (out of scope: 404);
writes go through `emergencies.services`, behind the one-time token (core.submissions) and, for
edits, the row's version (core.concurrency)."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_errors
from core.models import Evidence
from core.permissions import STAFF, role_required
from core.roles import Role
from emergencies import services
from emergencies.forms import CloseForm, DrillForm, IncidentForm, NotificationForm
from emergencies.models import Drill, Incident, IncidentNotification
from emergencies.rules import HalfYear

READERS = (Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT)
DRILL_READERS = (Role.CITY, Role.DISTRICT, Role.INSTITUTION)
RECORDERS = (Role.DISTRICT, Role.INSTITUTION)


def _annotate_states(notifications, now) -> None:
    for n in notifications:
        n.state_now = n.state(now)


# Incidents ---------------------------------------------------------------------------------------


@role_required(*READERS)
def incident_list(request):
    only_open = request.GET.get("open") == "1"
    incidents = Incident.objects.visible_to(request.user).select_related("institution", "region")
    if only_open:
        incidents = incidents.open()
    incidents = list(incidents.prefetch_related("notifications")[:500])
    now = timezone.now()
    for incident in incidents:
        rows = list(incident.notifications.all())
        _annotate_states(rows, now)
        incident.rows = rows
        incident.told = sum(n.notified_at is not None for n in rows)
        incident.late = sum(n.state_now in ("late", "overdue") for n in rows)
    return render(
        request,
        "emergencies/incidents.html",
        {"incidents": incidents, "only_open": only_open, "can_record": services.can_record(request.user)},
    )


@role_required(*RECORDERS, superuser=False)
def incident_create(request):
    form = IncidentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.record_incident(
                by=request.user,
                institution=form.cleaned_data["institution"],
                kind=form.cleaned_data["kind"],
                occurred_at=form.occurred_at,
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            add_errors(form, _on_form_fields(error, {"occurred_at": "occurred_on"}))
        else:
            messages.success(request, _("Incident recorded: now enter when each recipient was told."))
            return redirect("emergencies:incident_detail", pk=incident.pk)
    return render(request, "emergencies/incident_form.html", {"form": form})


def _on_form_fields(error: ValidationError, renames: dict) -> ValidationError:
    """A service's errors put on the form's own field names (occurred_at → occurred_on)."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({renames.get(name, name): value for name, value in error.error_dict.items()})


def _incident_page(request, incident, status=200, forms=None, close_form=None):
    now = timezone.now()
    notifications = list(incident.notifications.select_related("notified_by"))
    _annotate_states(notifications, now)
    can_notify = services.can_notify(request.user, incident) and incident.closed_at is None
    forms = forms or {}
    for n in notifications:
        n.form = forms.get(n.pk) or (NotificationForm(notification=n) if can_notify else None)
    can_close = services.can_close(request.user, incident) and incident.closed_at is None
    if can_close and close_form is None:
        close_form = CloseForm(initial={"expected_version": incident.version})
    return render(
        request,
        "emergencies/incident_detail.html",
        {
            "incident": incident,
            "notifications": notifications,
            "can_notify": can_notify,
            "close_form": close_form if can_close else None,
        },
        status=status,
    )


def _visible_incident(request, pk) -> Incident:
    return get_object_or_404(
        Incident.objects.visible_to(request.user).select_related(
            "institution", "region", "recorded_by", "closed_by"
        ),
        pk=pk,
    )


@role_required(*READERS)
def incident_detail(request, pk):
    incident = _visible_incident(request, pk)
    return _incident_page(request, incident)


@require_POST
@role_required(*RECORDERS, superuser=False)
def notification_save(request, pk):
    notification = get_object_or_404(
        IncidentNotification.objects.visible_to(request.user).select_related("incident"), pk=pk
    )
    incident = notification.incident
    if not services.can_notify(request.user, incident):
        raise PermissionDenied
    form = NotificationForm(request.POST, notification=notification)
    if form.is_valid():
        try:
            services.record_notification(
                notification,
                by=request.user,
                notified_at=form.notified_at,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["expected_version"],
            )
        except ValidationError as error:
            add_errors(form, _on_form_fields(error, {"notified_at": "notified_on"}))
        else:
            messages.success(
                request,
                _("Saved when %(recipient)s was told.") % {"recipient": notification.get_recipient_display()},
            )
            return redirect(f"{_detail_url(incident)}#notification-{notification.pk}")
    incident = _visible_incident(request, incident.pk)
    return _incident_page(request, incident, status=400, forms={notification.pk: form})


def _detail_url(incident) -> str:
    from django.urls import reverse

    return reverse("emergencies:incident_detail", args=[incident.pk])


@require_POST
@role_required(Role.DISTRICT, superuser=False)
def incident_close(request, pk):
    incident = _visible_incident(request, pk)
    if not services.can_close(request.user, incident):
        raise PermissionDenied
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.close_incident(
                incident,
                by=request.user,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["expected_version"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Incident closed."))
            return redirect("emergencies:incident_detail", pk=incident.pk)
    incident = _visible_incident(request, pk)
    return _incident_page(request, incident, status=400, close_form=form)


# Drills ------------------------------------------------------------------------------------------


def _half_year(request) -> tuple[HalfYear, str]:
    """The half-year asked for (`?half=2026-1`) or the current one, and an error sentence for an
    unreadable value (the current one is shown then)."""
    text = request.GET.get("half", "")
    if not text:
        return services.current_half_year(), ""
    try:
        return HalfYear.parse(text), ""
    except ValueError:
        return services.current_half_year(), _(
            "Half-year: “%(value)s” cannot be read; write it as 2026-1 (January–June) or 2026-2 (July–December)."
        ) % {"value": text[:20]}


@role_required(*DRILL_READERS)
def drill_list(request):
    half, error = _half_year(request)
    drills = list(
        Drill.objects.visible_to(request.user)
        .filter(held_on__gte=half.start, held_on__lte=half.end)
        .select_related("institution", "region")[:1000]
    )
    files: dict[int, list] = {}
    if drills:
        owner_type = ContentType.objects.get_for_model(Drill)
        for file in Evidence.objects.live().filter(
            owner_type=owner_type, owner_id__in=[d.pk for d in drills]
        ):
            files.setdefault(file.owner_id, []).append(file)
    for drill in drills:
        drill.files = files.get(drill.pk, [])
    return render(
        request,
        "emergencies/drills.html",
        {
            "drills": drills,
            "half": half,
            "previous": half.previous(),
            "next": half.next() if half.next().start <= services.current_half_year().start else None,
            "error": error,
            "can_record": services.can_record(request.user),
        },
    )


@role_required(*RECORDERS, superuser=False)
def drill_create(request):
    form = DrillForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            drill = services.record_drill(
                by=request.user,
                institution=data["institution"],
                held_on=data["held_on"],
                kind=data["kind"],
                topic=data["topic"],
                participants=data["participants"],
                note=data["note"],
                files=data["files"] or [],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Recorded: %(drill)s.") % {"drill": drill.get_kind_display()})
            return redirect(f"{_drills_url()}?half={HalfYear.of(drill.held_on)}")
    return render(request, "emergencies/drill_form.html", {"form": form})


def _drills_url() -> str:
    from django.urls import reverse

    return reverse("emergencies:drills")


@role_required(*STAFF)
def missing(request):
    half, error = _half_year(request)
    rows = services.preparedness(request.user, half)
    counts = services.preparedness_counts(rows)
    groups: list[tuple] = []
    for row in rows:
        if not row.missing:
            continue
        if not groups or groups[-1][0] != row.institution.region:
            groups.append((row.institution.region, []))
        groups[-1][1].append(row)
    return render(
        request,
        "emergencies/missing.html",
        {
            "groups": groups,
            "counts": counts,
            "half": half,
            "previous": half.previous(),
            "next": half.next() if half.next().start <= services.current_half_year().start else None,
            "error": error,
        },
    )
