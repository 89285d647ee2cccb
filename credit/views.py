"""Credit pages: the list (filters, cards on a phone), a record, and the form. Every read goes
through `CreditRecord.objects.visible_to`; writes are city and district staff's, through
`credit.services`, with one-time tokens (core.submissions) and version checks. A GET never writes."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core import dates
from core.edit import FormPage, edit_page
from core.evidence import visible_evidence
from core.filters import querystring
from core.permissions import role_required
from core.roles import Role
from credit import services
from credit.forms import CreditRecordForm, FilterForm
from credit.models import CreditRecord, in_force_q
from institutions import uscc

PAGE_SIZE = 50
READERS = (Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT)


def can_write(user) -> bool:
    return not user.is_superuser and user.role in services.WRITERS and user.region_id is not None


def _filtered(records, form):
    form.is_valid()  # a bad value is reported on the form and ignored
    data = {
        name: value for name, value in getattr(form, "cleaned_data", {}).items() if name not in form.errors
    }
    today = dates.today()
    if q := (data.get("q") or "").strip():
        code = uscc.normalize(q)
        records = records.filter(
            Q(institution__name__icontains=q) | Q(person_name__icontains=q) | Q(credit_code__startswith=code)
        )
    for name in ("kind", "subject", "source"):
        if data.get(name):
            records = records.filter(**{name: data[name]})
    if data.get("status") == "in_force":
        records = records.filter(in_force_q(today))
    elif data.get("status") == "expired":
        records = records.filter(expires_on__lt=today)
    if data.get("region"):
        records = records.filter(region=data["region"])
    return records


@role_required(*READERS)
def record_list(request):
    user = request.user
    form = FilterForm(request.GET or None, user=user)
    records = _filtered(
        CreditRecord.objects.visible_to(user).select_related("institution", "region"),
        form,
    )
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    today = dates.today()
    for record in page:
        record.is_in_force = record.in_force_on(today)
    return render(
        request,
        "credit/list.html",
        {
            "form": form,
            "page": page,
            "records": page.object_list,
            "querystring": querystring(request),
            "can_write": can_write(user),
            "show_region_filter": user.is_superuser or user.role == Role.CITY,
        },
    )


@role_required(*READERS)
def record_detail(request, pk):
    user = request.user
    record = get_object_or_404(
        CreditRecord.objects.visible_to(user).select_related("institution", "region", "created_by"), pk=pk
    )
    today = dates.today()
    led = services.institutions_led_by(record, user)
    return render(
        request,
        "credit/detail.html",
        {
            "record": record,
            "in_force": record.in_force_on(today),
            "standing": services.standing(record.credit_code, today),
            "channel": record.channel,
            "evidence_files": visible_evidence(user)
            .filter(owner_type__model="creditrecord", owner_type__app_label="credit", owner_id=record.pk)
            .select_related("uploaded_by"),
            "same_person": list(services.same_person(record, user)[:20]),
            "led": led,
            "can_write": can_write(user),
        },
    )


@login_required
def record_edit(request, pk=None):
    user = request.user
    if not can_write(user):
        raise PermissionDenied
    record = get_object_or_404(CreditRecord.objects.visible_to(user), pk=pk) if pk else None
    form = CreditRecordForm(request.POST or None, request.FILES or None, instance=record, user=user)

    def save(form):
        obj = form.save(commit=False)
        if record:
            services.update_record(
                obj,
                by=user,
                expected_version=form.cleaned_data["expected_version"] or 0,
                id_number=form.cleaned_data["id_number"],
                document=form.cleaned_data.get("document"),
            )
        else:
            services.create_record(
                obj, by=user, id_number=form.cleaned_data["id_number"], document=form.cleaned_data["document"]
            )
        return obj

    list_url = reverse("credit:list")
    crumbs = [(list_url, _("Credit records"))]
    if record:
        crumbs.append((reverse("credit:detail", args=[record.pk]), record.document_number))
    page = FormPage(
        title=_("Edit credit record") if record else _("New credit record"),
        crumbs=crumbs,
        cancel_url=crumbs[-1][0],
        testid="credit-form",
        note=_(
            "For a record about the legal representative or head, choose “Its legal representative or head” "
            "and enter the name and ID number."
        ),
    )
    return edit_page(
        request,
        form,
        save,
        page=page,
        done=lambda obj: _("Credit record %(number)s saved.") % {"number": obj.document_number},
        success_url=lambda obj: reverse("credit:detail", args=[obj.pk]),
    )
