"""Staff pages: the list (filters, cards on a phone), a staff member (certificates, trainings, flags),
the forms, the ban list and a ban, and 禁入人员在岗提示. Every read goes through `visible_to`; writes
go through `staff.services` with one-time tokens and version checks. A GET never writes."""

import datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core import dates
from core.edit import FormPage, edit_page
from core.evidence import visible_evidence
from core.filters import querystring
from core.permissions import role_required
from core.roles import Role
from staff import services
from staff.forms import BanForm, FilterForm, QualificationForm, StaffForm, TrainingForm
from staff.models import Ban, Qualification, StaffMember, employed_q

PAGE_SIZE = 50
READERS = (Role.CITY, Role.DISTRICT, Role.INSTITUTION)
BAN_READERS = (Role.CITY, Role.DISTRICT)


def _decorate(members, user, today):
    """Flags for a page of rows: qualification state, the bans (one query) as the reader may see them."""
    banned_keys = [m.id_key for m in members if m.is_banned]
    bans = services.bans_for(banned_keys, today) if banned_keys else {}
    for m in members:
        m.qualification_state = services.qualification_state(m)
        m.ban_views = [services.ban_view(user, ban) for ban in bans.get(m.id_key, [])]
        m.is_employed = m.employed_on(today)


@role_required(*READERS)
def staff_list(request):
    user = request.user
    today = dates.today()
    form = FilterForm(request.GET or None, user=user)
    form.is_valid()  # a bad value is reported on the form and ignored
    data = {
        name: value for name, value in getattr(form, "cleaned_data", {}).items() if name not in form.errors
    }
    members = services.with_flags(StaffMember.objects.visible_to(user), today).select_related("institution")
    if q := (data.get("q") or "").strip():
        members = members.filter(name__icontains=q)
    if data.get("institution"):
        members = members.filter(institution=data["institution"])
    if data.get("role"):
        members = members.filter(role=data["role"])
    flag = data.get("flag")
    if flag == "left":
        members = members.exclude(employed_q(today))
    elif flag:
        members = members.filter(employed_q(today))
        if flag == "banned":
            members = members.filter(is_banned=True)
        elif flag == "qualification":
            members = members.filter(services.problem_q())
        elif flag == "expiring":
            soon = services.expiring(user, today).filter(staff=OuterRef("pk"))
            members = members.filter(Exists(soon))
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(page.object_list, user, today)
    return render(
        request,
        "staff/list.html",
        {
            "form": form,
            "page": page,
            "members": page.object_list,
            "querystring": querystring(request),
            "can_write": services.can_write_staff(user),
            "sees_bans": user.is_superuser or user.role in BAN_READERS,
        },
    )


@role_required(*READERS)
def staff_detail(request, pk):
    user = request.user
    today = dates.today()
    member = get_object_or_404(
        services.with_flags(StaffMember.objects.visible_to(user), today).select_related(
            "institution", "region", "created_by"
        ),
        pk=pk,
    )
    _decorate([member], user, today)
    qualifications = list(member.qualifications.all())
    soon = today + datetime.timedelta(days=30)
    for q in qualifications:
        q.is_valid = q.valid_on(today)
        q.ends_soon = q.is_valid and q.valid_to is not None and q.valid_to <= soon
    full = services.sees_full_id(user, member.region_id)
    return render(
        request,
        "staff/detail.html",
        {
            "member": member,
            "shown_id": services.shown_id(user, member),
            "id_in_full": full,
            "phone_shown": member.phone if (full or user.role == Role.INSTITUTION) else "",
            "qualifications": qualifications,
            "trainings": list(member.trainings.all()),
            "can_write": services.can_write_staff(user),
        },
    )


@role_required(*READERS)
def staff_edit(request, pk=None):
    user = request.user
    if not services.can_write_staff(user):
        raise PermissionDenied
    member = get_object_or_404(StaffMember.objects.visible_to(user), pk=pk) if pk else None
    form = StaffForm(request.POST or None, instance=member, user=user)

    def save(form):
        obj = form.save(commit=False)
        if member:
            return services.update_staff(
                obj,
                by=user,
                expected_version=form.cleaned_data["expected_version"] or 0,
                id_number=form.cleaned_data["id_number"],
            )
        return services.create_staff(obj, by=user, id_number=form.cleaned_data["id_number"])

    list_url = reverse("staff:list")
    crumbs = [(list_url, _("Staff"))]
    if member:
        crumbs.append((reverse("staff:detail", args=[member.pk]), member.name))
    page = FormPage(
        title=_("Edit staff member") if member else _("New staff member"),
        crumbs=crumbs,
        cancel_url=crumbs[-1][0],
        testid="staff-form",
        note=_("A person on the industry ban list can be recorded; the page then flags them."),
    )
    return edit_page(
        request,
        form,
        save,
        page=page,
        done=lambda obj: _("Staff member %(name)s saved.") % {"name": obj.name},
        success_url=lambda obj: reverse("staff:detail", args=[obj.pk]),
    )


def _writable_member(user, pk):
    if not services.can_write_staff(user):
        raise PermissionDenied
    return get_object_or_404(StaffMember.objects.visible_to(user), pk=pk)


def _member_crumbs(member):
    return [(reverse("staff:list"), _("Staff")), (reverse("staff:detail", args=[member.pk]), member.name)]


@role_required(*READERS)
def qualification_edit(request, pk=None, staff_pk=None):
    user = request.user
    if pk:
        qualification = get_object_or_404(
            Qualification.objects.visible_to(user).select_related("staff"), pk=pk
        )
        member = _writable_member(user, qualification.staff_id)
    else:
        qualification, member = None, _writable_member(user, staff_pk)
    form = QualificationForm(request.POST or None, instance=qualification)

    def save(form):
        obj = form.save(commit=False)
        obj.staff = member
        if qualification:
            return services.update_qualification(
                obj, by=user, expected_version=form.cleaned_data["expected_version"] or 0
            )
        return services.create_qualification(obj, by=user)

    crumbs = _member_crumbs(member)
    page = FormPage(
        title=_("Edit certificate") if qualification else _("New certificate"),
        crumbs=crumbs,
        cancel_url=crumbs[-1][0],
        testid="qualification-form",
    )
    return edit_page(
        request,
        form,
        save,
        page=page,
        done=lambda obj: _("Certificate %(number)s saved.") % {"number": obj.number},
        success_url=lambda obj: reverse("staff:detail", args=[member.pk]),
    )


@role_required(*READERS)
def training_create(request, staff_pk):
    user = request.user
    member = _writable_member(user, staff_pk)
    form = TrainingForm(request.POST or None)

    def save(form):
        obj = form.save(commit=False)
        obj.staff = member
        return services.create_training(obj, by=user)

    crumbs = _member_crumbs(member)
    page = FormPage(
        title=_("New training record"), crumbs=crumbs, cancel_url=crumbs[-1][0], testid="training-form"
    )
    return edit_page(
        request,
        form,
        save,
        page=page,
        done=lambda obj: _("Training record saved."),
        success_url=lambda obj: reverse("staff:detail", args=[member.pk]),
    )


# The ban list (行业禁入) ---------------------------------------------------------------------------


@role_required(*BAN_READERS)
def ban_list(request):
    user = request.user
    today = dates.today()
    bans = Ban.objects.visible_to(user).select_related("region")
    status = request.GET.get("status", "")
    if status == "in_force":
        bans = bans.in_force(today)
    elif status == "ended":
        bans = bans.filter(until__lt=today)
    else:
        status = ""
    page = Paginator(bans, PAGE_SIZE).get_page(request.GET.get("page"))
    for ban in page.object_list:
        ban.is_in_force = ban.in_force_on(today)
    return render(
        request,
        "staff/ban_list.html",
        {
            "page": page,
            "bans": page.object_list,
            "status": status,
            "querystring": querystring(request),
            "can_write": services.can_write_bans(user),
        },
    )


@role_required(*BAN_READERS)
def ban_detail(request, pk):
    user = request.user
    today = dates.today()
    ban = get_object_or_404(Ban.objects.visible_to(user).select_related("region", "created_by"), pk=pk)
    working = StaffMember.objects.filter(employed_q(today), id_key=ban.id_key)
    here = list(
        working.filter(pk__in=StaffMember.objects.visible_to(user).values("pk")).select_related("institution")
    )
    return render(
        request,
        "staff/ban_detail.html",
        {
            "ban": ban,
            "in_force": ban.in_force_on(today),
            "shown_id": services.shown_id(user, ban),
            "working_here": here,
            "working_elsewhere": working.count() - len(here),
            "evidence_files": visible_evidence(user)
            .filter(owner_type__model="ban", owner_type__app_label="staff", owner_id=ban.pk)
            .select_related("uploaded_by"),
            "can_write": services.can_write_bans(user),
        },
    )


@role_required(*BAN_READERS)
def ban_edit(request, pk=None):
    user = request.user
    if not services.can_write_bans(user):
        raise PermissionDenied
    ban = get_object_or_404(Ban.objects.visible_to(user), pk=pk) if pk else None
    form = BanForm(request.POST or None, request.FILES or None, instance=ban)

    def save(form):
        obj = form.save(commit=False)
        kwargs = {
            "by": user,
            "id_number": form.cleaned_data["id_number"],
            "document": form.cleaned_data.get("document"),
        }
        if ban:
            return services.update_ban(
                obj, expected_version=form.cleaned_data["expected_version"] or 0, **kwargs
            )
        return services.create_ban(obj, **kwargs)

    crumbs = [(reverse("staff:ban_list"), _("Industry ban list"))]
    if ban:
        crumbs.append((reverse("staff:ban_detail", args=[ban.pk]), ban.name))
    page = FormPage(
        title=_("Edit ban") if ban else _("New ban"),
        crumbs=crumbs,
        cancel_url=crumbs[-1][0],
        testid="ban-form",
        note=_(
            "The ban is recorded as decided by your bureau. Leave “banned until” empty for a lifelong ban."
        ),
    )
    return edit_page(
        request,
        form,
        save,
        page=page,
        done=lambda obj: _("Ban of %(name)s saved.") % {"name": obj.name},
        success_url=lambda obj: reverse("staff:ban_detail", args=[obj.pk]),
    )


@role_required(*BAN_READERS)
def ban_matches(request):
    """禁入人员在岗提示: staff on the payroll in the reader's scope who are on the ban list."""
    user = request.user
    today = dates.today()
    members = list(services.matches(user, today).order_by("region__sort_key", "institution__name", "name"))
    _decorate(members, user, today)
    return render(request, "staff/matches.html", {"members": members, "today": today})
