"""Training pages: the list (cards on a phone), a session, the form. Reads go through
`Training.objects.visible_to`; writes through `trainings.services` (city and district staff, their
own region's sessions), with one-time tokens and version checks. A GET never writes."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.edit import FormPage, edit_page
from core.evidence import visible_evidence
from core.permissions import role_required
from core.roles import Role
from trainings import services
from trainings.forms import TrainingForm
from trainings.models import Training

PAGE_SIZE = 50
READERS = (Role.CITY, Role.DISTRICT, Role.INSTITUTION)


@role_required(*READERS)
def training_list(request):
    user = request.user
    sessions = (
        Training.objects.visible_to(user)
        .select_related("region")
        .annotate(n_institutions=Count("institutions"))
        .order_by("-held_on", "-pk")
    )
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "trainings/list.html",
        {
            "page": page,
            "trainings": page.object_list,
            "querystring": "",
            "can_write": services.can_write(user),
        },
    )


@role_required(*READERS)
def training_detail(request, pk):
    user = request.user
    training = get_object_or_404(
        Training.objects.visible_to(user).select_related("region", "created_by"), pk=pk
    )
    institutions = training.institutions.select_related("region").order_by("region__sort_key", "name")
    if user.role == Role.INSTITUTION:
        institutions = institutions.filter(pk=user.institution_id)
    return render(
        request,
        "trainings/detail.html",
        {
            "training": training,
            "institutions": institutions,
            "evidence_files": visible_evidence(user)
            .filter(owner_type__app_label="trainings", owner_type__model="training", owner_id=training.pk)
            .select_related("uploaded_by"),
            "can_edit": services.can_edit(user, training),
        },
    )


@login_required
def training_edit(request, pk=None):
    user = request.user
    if not services.can_write(user):
        raise PermissionDenied
    training = get_object_or_404(Training.objects.visible_to(user), pk=pk) if pk else None
    if training is not None and not services.can_edit(user, training):
        raise PermissionDenied
    form = TrainingForm(request.POST or None, request.FILES or None, instance=training, user=user)

    def save(form):
        obj = form.save(commit=False)
        institutions = list(form.cleaned_data.get("institutions") or ())
        files = form.cleaned_data.get("files") or ()
        if training:
            services.update_training(
                obj,
                by=user,
                expected_version=form.cleaned_data["expected_version"] or 0,
                institutions=institutions,
                files=files,
            )
        else:
            services.create_training(obj, by=user, institutions=institutions, files=files)
        return obj

    crumbs = [(reverse("trainings:list"), _("Trainings"))]
    if training:
        crumbs.append((reverse("trainings:detail", args=[training.pk]), training.title))
    page = FormPage(
        title=_("Edit training session") if training else _("New training session"),
        crumbs=crumbs,
        cancel_url=crumbs[-1][0],
        testid="training-form",
        wide=("note", "institutions", "title"),
        note=_("The session is recorded as organised by your own department."),
    )
    return edit_page(
        request,
        form,
        save,
        page=page,
        done=lambda obj: _("Training session %(title)s saved.") % {"title": obj.title},
        success_url=lambda obj: reverse("trainings:detail", args=[obj.pk]),
    )
