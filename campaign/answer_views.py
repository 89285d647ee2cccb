"""The 30-item checklist pages: a unit's items and answers, the city's matrix and its review.

The rules are in campaign/answers.py; the computed figures in campaign/indicators.py."""

from itertools import groupby

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from campaign import answers, indicators
from campaign.answer_filters import chosen_as_of, chosen_status, matrix_answers, own_answers, shown_answers
from campaign.models import InspectionItem, ItemAnswer
from campaign.selectors import current_campaign_for
from core import dates
from core.evidence import visible_evidence
from core.evidence_forms import EvidenceForm
from core.forms import BootstrapMixin, VersionField, add_errors
from core.models import Region
from core.permissions import STAFF, role_required
from core.roles import Role


class AnswerForm(BootstrapMixin, forms.Form):
    narrative = forms.CharField(
        label=gettext_lazy("Implementation and supporting material"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    expected_version = VersionField()

    def __init__(self, *args, figures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.figure_names = []
        for figure in figures:
            name = f"value_{figure.key}"
            self.fields[name] = forms.CharField(label=figure.label, required=False, max_length=64)
            self.figure_names.append((name, figure.key))

    def values(self) -> dict:
        return {
            key: self.cleaned_data[name].strip() for name, key in self.figure_names if self.cleaned_data[name]
        }

    def figure_fields(self):
        return [self[name] for name, _key in self.figure_names]


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


def _campaign(request):
    campaign = current_campaign_for(request.user)
    if campaign is None:
        raise Http404
    return campaign


def _items(campaign):
    return campaign.items.select_related("key_task").prefetch_related("milestones").order_by("number")


def _groups(rows):
    """Rows grouped by key task, in the notice's order (item 1, without a key task, first)."""
    rows = sorted(
        rows, key=lambda row: (row["item"].key_task.number if row["item"].key_task else 0, row["item"].number)
    )
    return [(task, list(group)) for task, group in groupby(rows, key=lambda row: row["item"].key_task)]


def _row(item, region, answer):
    due = answers.due_on(item, region)
    return {
        "item": item,
        "answer": answer,
        "status": answer.status if answer else "",
        "due_on": due,
        "days_left": dates.days_left(due) if due else None,
        "days_past": -dates.days_left(due) if due else None,
    }


@role_required(*STAFF, superuser=False)
def checklist(request):
    """The user's unit's items: status, due date (from the milestones) and days left."""
    campaign = _campaign(request)
    region = request.user.region
    items = [item for item in _items(campaign) if answers.answering_region(request.user, item)]
    filterset, _shown = own_answers(request.user, campaign, request.GET)
    found = {a.item_id: a for a in shown_answers(filterset)}
    rows = [_row(item, region, found.get(item.pk)) for item in items]
    counts = {
        status: sum(1 for row in rows if row["status"] == status) for status in ItemAnswer.Status.values
    }
    # ?status=returned: only the rows of that status (the same filter as the home page's count);
    # the tiles above keep counting every item.
    status = chosen_status(filterset)
    shown = [row for row in rows if row["status"] == status] if status else rows
    return render(
        request,
        "campaign/checklist.html",
        {
            "campaign": campaign,
            "groups": _groups(shown),
            "counts": counts,
            "total": len(rows),
            "shown": len(shown),
            "status": status,
            "as_of": chosen_as_of(filterset),
            "region": region,
        },
    )


def _figures(answer):
    result = indicators.compute(answer.item.campaign, answer.region, answer.item.number)
    return result


def _comparison(answer, indicator):
    """(figure, declared value, differs) for each computed figure."""
    if indicator is None:
        return []
    rows = []
    for figure in indicator.figures:
        declared = (answer.values or {}).get(figure.key, "")
        computed = figure.display()
        rows.append(
            {
                "figure": figure,
                "computed": computed,
                "declared": declared,
                "differs": bool(declared) and not figure.matches(declared),
            }
        )
    return rows


def _answer_page(request, answer, form=None, evidence_form=None, status=200):
    indicator = _figures(answer)
    form = form or AnswerForm(
        initial={
            "narrative": answer.narrative,
            "expected_version": answer.version,
            **{f"value_{k}": v for k, v in (answer.values or {}).items()},
        },
        figures=indicator.figures if indicator else (),
    )
    return render(
        request,
        "campaign/answer.html",
        {
            "answer": answer,
            "item": answer.item,
            "form": form,
            "evidence_form": evidence_form or EvidenceForm(),
            "evidence_files": _evidence_of(request.user, answer),
            "indicator": indicator,
            "comparison": _comparison(answer, indicator),
            "can_edit": answers.can_edit(request.user, answer),
            "due_on": answers.due_on(answer.item, answer.region),
            "events": _events_of(answer),
        },
        status=status,
    )


def _events_of(answer):
    """The answer's timeline; none for a draft not saved yet (answers.answer_for)."""
    return answer.events.select_related("by") if answer.pk else []


def _own_item(request, number) -> InspectionItem:
    item = get_object_or_404(_campaign(request).items.select_related("key_task", "campaign"), number=number)
    if answers.answering_region(request.user, item) is None:
        raise Http404
    return item


@role_required(*STAFF, superuser=False)
def answer_edit(request, number):
    item = _own_item(request, number)
    answer = answers.answer_for(item=item, by=request.user)
    if request.method != "POST":
        return _answer_page(request, answer)
    indicator = _figures(answer)
    form = AnswerForm(request.POST, figures=indicator.figures if indicator else ())
    if form.is_valid():
        submit = "submit" in request.POST
        try:
            answers.answer_save(
                answer=answer,
                narrative=form.cleaned_data["narrative"],
                values=form.values(),
                by=request.user,
                expected_version=form.cleaned_data["expected_version"],
                submit=submit,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("Answer submitted to the city bureau.") if submit else _("Draft saved.")
            )
            return redirect("checklist:answer", number=number)
    return _answer_page(request, answer, form=form, status=400)


@require_POST
@role_required(*STAFF, superuser=False)
def answer_evidence(request, number):
    item = _own_item(request, number)
    answer = answers.answer_for(item=item, by=request.user)
    form = EvidenceForm(request.POST, request.FILES)
    added = False
    if form.is_valid():
        try:
            evidence = answers.answer_add_evidence(
                answer=answer, file=form.cleaned_data["file"], by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        except PermissionDenied:
            form.add_error(None, _("This answer is locked: files can no longer be added."))
        else:
            added = True
            answer = evidence.owner  # the first file of a unit that has not saved yet creates the draft
    if request.htmx:  # swap the evidence card only: the answer form keeps what was typed
        return render(
            request,
            "campaign/_answer_evidence.html",
            {
                "item": item,
                "can_edit": answers.can_edit(request.user, answer),
                "evidence_form": EvidenceForm() if added else form,
                "evidence_files": _evidence_of(request.user, answer),
            },
        )
    if added:
        messages.success(request, _("File added."))
        return redirect("checklist:answer", number=number)
    return _answer_page(request, answer, evidence_form=form, status=400)


def _evidence_of(user, answer):
    if answer.pk is None:  # a draft not saved yet has no files
        return visible_evidence(user).none()
    return (
        visible_evidence(user)
        .filter(owner_type__model="itemanswer", owner_id=answer.pk)
        .select_related("uploaded_by")
    )


# The city ------------------------------------------------------------------------------------------


PK_SLOT = 987654321  # a pk no row has: reversed once, then replaced by each answer's


@role_required(Role.CITY, superuser=False)
def matrix(request):
    """Regions × items with each answer's status; counts per region. Four queries whatever the size."""
    campaign = _campaign(request)
    items = list(_items(campaign))
    regions = list(Region.objects.visible_to(request.user).county_level().order_by("sort_order", "code"))
    city = request.user.region
    filterset, _shown = matrix_answers(request.user, campaign, request.GET)
    found = {
        (a.region_id, a.item_id): a for a in shown_answers(filterset, "pk", "status", "region_id", "item_id")
    }
    # ?status=submitted: only the units with an answer of that status, the other cells muted (the
    # same filter as the home page's count of answers awaiting review).
    status = chosen_status(filterset)
    # ?region=<id>: only that region's subtree (a dashboard's number for one unit); a region the
    # user cannot see shows nothing.
    within = request.GET.get("region", "")
    if within:
        chosen = (
            Region.objects.visible_to(request.user).filter(pk=within).first() if within.isdigit() else None
        )
        regions = [r for r in regions if chosen and r.path.startswith(chosen.path)]
        if chosen is None or not city.path.startswith(chosen.path):
            city = None
    shown = 0
    # one reverse() and one label look-up for the page, not one per cell (330 cells for a city)
    review_url = reverse("checklist:review", args=[PK_SLOT]).replace(str(PK_SLOT), "{}")
    labels = dict(ItemAnswer.Status.choices)
    rows = []
    for region in [*([city] if city else []), *regions]:
        cells, counts = [], {status: 0 for status in ItemAnswer.Status.values}
        applicable = 0
        for item in items:
            applies = (
                item.answered_by_city if region.pk == request.user.region_id else item.answered_by_county
            )
            answer = found.get((region.pk, item.pk)) if applies else None
            if applies:
                applicable += 1
                if answer:
                    counts[answer.status] += 1
            cell = {"item": item, "applies": applies, "answer": answer}
            if answer:
                cell["href"] = review_url.format(answer.pk)
                cell["title"] = f"{region.name} · {item.number} · {labels[answer.status]}"
                cell["muted"] = bool(status) and answer.status != status
            cells.append(cell)
        matching = counts[status] if status else applicable
        if not status or matching:
            shown += matching if status else 0
            rows.append({"region": region, "cells": cells, "counts": counts, "applicable": applicable})
    return render(
        request,
        "campaign/matrix.html",
        {
            "campaign": campaign,
            "items": items,
            "rows": rows,
            "statuses": ItemAnswer.Status.choices,
            "status": status,
            "as_of": chosen_as_of(filterset),
            "shown": shown,
        },
    )


def _answer(request, pk) -> ItemAnswer:
    return get_object_or_404(
        ItemAnswer.objects.visible_to(request.user).select_related(
            "item__campaign", "item__key_task", "region", "submitted_by", "reviewed_by"
        ),
        pk=pk,
    )


@role_required(Role.CITY, superuser=False)
def review(request, pk, reason_form=None, status=200):
    answer = _answer(request, pk)
    indicator = _figures(answer)
    return render(
        request,
        "campaign/review.html",
        {
            "answer": answer,
            "item": answer.item,
            "indicator": indicator,
            "comparison": _comparison(answer, indicator),
            "evidence_files": _evidence_of(request.user, answer),
            "events": answer.events.select_related("by"),
            "can_review": answers.can_review(request.user, answer),
            "can_reopen": answers.can_reopen(request.user, answer),
            "own_submission": answer.submitted_by_id == request.user.pk,
            "reason_form": reason_form or ReasonForm(),
            "due_on": answers.due_on(answer.item, answer.region),
        },
        status=status,
    )


def _decide(request, pk, step, done_message):
    answer = _answer(request, pk)
    form = ReasonForm(request.POST) if step != "accept" else None
    if form is not None and not form.is_valid():
        return review(request, pk, reason_form=form, status=400)
    try:
        if step == "accept":
            answers.answer_accept(answer=answer, by=request.user)
        elif step == "return":
            answers.answer_return(answer=answer, by=request.user, reason=form.cleaned_data["reason"])
        else:
            answers.answer_reopen(answer=answer, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        form = form or ReasonForm()
        add_errors(form, error)
        return review(request, pk, reason_form=form, status=400)
    messages.success(request, done_message % {"region": answer.region.name, "number": answer.item.number})
    return redirect("checklist:review", pk=pk)


@require_POST
@role_required(Role.CITY, superuser=False)
def accept(request, pk):
    return _decide(request, pk, "accept", _("Item %(number)s of %(region)s accepted."))


@require_POST
@role_required(Role.CITY, superuser=False)
def return_answer(request, pk):
    return _decide(request, pk, "return", _("Item %(number)s returned to %(region)s."))


@require_POST
@role_required(Role.CITY, superuser=False)
def reopen(request, pk):
    return _decide(request, pk, "reopen", _("Item %(number)s of %(region)s reopened."))
