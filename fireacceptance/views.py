"""一事一议 pages: the list (cards on a phone), a case, the form. Reads go through
`Case.objects.visible_to` (city and district staff); writes through `fireacceptance.services`
(district staff), with one-time tokens and version checks. A GET never writes."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.edit import FormPage, edit_page
from core.evidence import visible_evidence
from core.permissions import role_required
from core.roles import Role
from fireacceptance import services
from fireacceptance.forms import CaseForm
from fireacceptance.models import Case

PAGE_SIZE = 50
READERS = (Role.CITY, Role.DISTRICT)


@role_required(*READERS)
def case_list(request):
    user = request.user
    cases = Case.objects.visible_to(user).select_related("institution", "region")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "fireacceptance/list.html",
        {"page": page, "cases": page.object_list, "querystring": "", "can_write": services.can_write(user)},
    )


@role_required(*READERS)
def case_detail(request, pk):
    user = request.user
    case = get_object_or_404(
        Case.objects.visible_to(user).select_related("institution", "region", "created_by"), pk=pk
    )
    return render(
        request,
        "fireacceptance/detail.html",
        {
            "case": case,
            "evidence_files": visible_evidence(user)
            .filter(owner_type__app_label="fireacceptance", owner_type__model="case", owner_id=case.pk)
            .select_related("uploaded_by"),
            "can_write": services.can_write(user),
        },
    )


@login_required
def case_edit(request, pk=None):
    user = request.user
    if not services.can_write(user):
        raise PermissionDenied
    case = get_object_or_404(Case.objects.visible_to(user), pk=pk) if pk else None
    form = CaseForm(request.POST or None, request.FILES or None, instance=case, user=user)

    def save(form):
        obj = form.save(commit=False)
        files = form.cleaned_data.get("files") or ()
        if case:
            services.update_case(
                obj, by=user, expected_version=form.cleaned_data["expected_version"] or 0, files=files
            )
        else:
            services.create_case(obj, by=user, files=files)
        return obj

    crumbs = [(reverse("fireacceptance:list"), _("One-matter-one-discussion cases"))]
    if case:
        crumbs.append((reverse("fireacceptance:detail", args=[case.pk]), case.institution.name))
    page = FormPage(
        title=_("Edit case") if case else _("New case"),
        crumbs=crumbs,
        cancel_url=crumbs[-1][0],
        testid="case-form",
        wide=("problem", "decision", "resolution"),
        note=_("Item 23: submit by 31 August to the county-level government or the management committee."),
    )
    return edit_page(
        request,
        form,
        save,
        page=page,
        done=lambda obj: _("Case of %(institution)s saved.") % {"institution": obj.institution.name},
        success_url=lambda obj: reverse("fireacceptance:detail", args=[obj.pk]),
    )
