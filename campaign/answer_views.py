"""The 30-item checklist pages: a unit's items and answers, the city's matrix and its review.

The rules are in campaign/answers.py; the computed figures in campaign/indicators.py."""

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation
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
from campaign.indicators.figures import AMOUNT, BOOL, COUNT, DATE, NOT_APPLICABLE, PERCENT, RATIO
from campaign.models import InspectionItem, ItemAnswer
from campaign.selectors import current_campaign_for
from core import dates
from core.evidence import visible_evidence
from core.evidence_forms import EvidenceForm
from core.forms import BootstrapMixin, VersionField, add_errors
from core.models import Region
from core.permissions import STAFF, role_required
from core.roles import Role

MAX_COUNT = 10**9
MAX_AMOUNT = Decimal("1000000000")


def with_unit(text: str, unit: str) -> str:
    """ "12" and 家 → "12 家"; a percentage already carries its sign; "—" has no unit."""
    if not text or text == NOT_APPLICABLE or not unit or unit == PERCENT:
        return text
    return f"{text} {unit}"


def _plain(text: str) -> str:
    """What was typed, with full-width digits and signs made ASCII (NFKC), spaces and thousands
    separators ("1,234") dropped."""
    text = unicodedata.normalize("NFKC", text or "").strip().replace(" ", "")
    if THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    return text


THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
FRACTION = re.compile(r"(\d+)/(\d+)")


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class FigureField(forms.CharField):
    """A unit's declared figure, entered in the figure's unit and range (`Figure.unit`):

    - a count: a whole number ≥ 0, stored as digits ("12");
    - a ratio: a percentage from 0 to 100 ("62.5", "62.5%"), stored with its sign ("62.5%"), or
      the two counts ("5/8", numerator ≤ denominator), stored as typed;
    - an amount: ≥ 0 with at most two decimals, stored as typed ("3.5");
    - a date: YYYY-MM-DD; yes/no: 是 or 否.

    Anything else is refused with a sentence naming the figure. Empty is allowed (no figure
    declared). Stored forms are those `Figure.matches` reads."""

    def __init__(self, *, figure, **kwargs):
        self.figure = figure
        self.unit = figure.unit
        attrs = {"autocomplete": "off", "class": "form-control figure-input"}
        if figure.kind in (COUNT, RATIO, AMOUNT):
            attrs["inputmode"] = "numeric" if figure.kind == COUNT else "decimal"
        if figure.kind == DATE:
            attrs["placeholder"] = "YYYY-MM-DD"
        super().__init__(
            label=figure.label, required=False, max_length=64, widget=forms.TextInput(attrs=attrs), **kwargs
        )

    def range_text(self) -> str:
        """What the box takes, in a few words (shown under it)."""
        kind = self.figure.kind
        if kind == COUNT:
            return _("A whole number, 0 or more")
        if kind == RATIO:
            return _("A percentage from 0 to 100, or the two counts, e.g. 5/8")
        if kind == AMOUNT:
            return _("0 or more, at most two decimals")
        if kind == DATE:
            return _("A date, e.g. 2020-10-15")
        if kind == BOOL:
            return _("是 or 否")
        return ""

    def _refuse(self, message, value):
        raise forms.ValidationError(
            message, code="invalid", params={"figure": self.figure.label, "unit": self.unit, "value": value}
        )

    def clean(self, value):
        value = super().clean(value)
        text = _plain(value)
        if not text:
            return ""
        kind = self.figure.kind
        if kind == DATE:
            try:
                return datetime.date.fromisoformat(text).isoformat()
            except ValueError:
                self._refuse(_("“%(figure)s” is a date: enter it as YYYY-MM-DD, e.g. 2020-10-15."), value)
        if kind == BOOL:
            if text not in ("是", "否"):
                self._refuse(_("“%(figure)s”: enter 是 or 否."), value)
            return text
        if kind == RATIO:
            fraction = FRACTION.fullmatch(text)
            if fraction:
                numerator, denominator = int(fraction[1]), int(fraction[2])
                if denominator == 0 or numerator > denominator:
                    self._refuse(
                        _(
                            "“%(figure)s”: in “%(value)s” the first count must not exceed the second, which must not be 0."
                        ),
                        value,
                    )
                return f"{numerator}/{denominator}"
            text = text.removesuffix("%")
        number = _number(text)
        if number is None:
            if kind == RATIO:
                self._refuse(
                    _(
                        "“%(figure)s” must be a percentage (a number from 0 to 100); “%(value)s” is not a number."
                    ),
                    value,
                )
            self._refuse(_("“%(figure)s” must be a number of %(unit)s; “%(value)s” is not a number."), value)
        if number < 0:
            self._refuse(_("“%(figure)s” cannot be negative."), value)
        if kind == COUNT:
            if number != number.to_integral_value():
                self._refuse(_("“%(figure)s” is a count: enter a whole number of %(unit)s."), value)
            if number > MAX_COUNT:
                self._refuse(_("“%(figure)s” is too large."), value)
            return str(int(number))
        if kind == RATIO:
            if number > 100:
                self._refuse(_("“%(figure)s” is a percentage: enter a number from 0 to 100."), value)
            return f"{number.normalize():f}%"
        if kind == AMOUNT:
            if number.as_tuple().exponent < -2:
                self._refuse(_("“%(figure)s” is in 10,000 yuan: at most two decimals."), value)
            if number > MAX_AMOUNT:
                self._refuse(_("“%(figure)s” is too large."), value)
            return f"{number:f}"
        return text


def figure_initial(figure, stored: str) -> str:
    """A stored declaration as the box shows it: a ratio in % ("0.625" or "62.5%" → "62.5";
    "5/8" stays); everything else as stored."""
    text = _plain(str(stored))
    if figure.kind != RATIO or not text or FRACTION.fullmatch(text):
        return str(stored)
    if text.endswith("%"):
        return text.removesuffix("%")
    number = _number(text)  # stored before the box took percentages: a plain fraction (0.625)
    return f"{(number * 100).normalize():f}" if number is not None else str(stored)


def declared_display(figure, stored: str) -> str:
    """A declaration as the figures table shows it, in the unit of the computed figure beside it:
    "12 家", "62.5%", "62.5%（5/8）", "3.5 万元"; "" when none."""
    text = _plain(str(stored or ""))
    if not text:
        return ""
    if figure.kind == RATIO:
        fraction = FRACTION.fullmatch(text)
        if fraction and int(fraction[2]):
            percent = (Decimal(int(fraction[1]) * 100) / Decimal(int(fraction[2]))).quantize(Decimal("0.1"))
            return f"{percent.normalize():f}%（{text}）"
        shown = figure_initial(figure, text)
        return f"{shown}%" if _number(shown) is not None else str(stored)
    return with_unit(str(stored), figure.unit)


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
            self.fields[name] = field = FigureField(figure=figure)
            if field.unit and self.auto_id:
                field.widget.attrs["aria-describedby"] = f"{self.auto_id % name}_unit"
            self.figure_names.append((name, figure))

    def values(self) -> dict:
        return {
            figure.key: self.cleaned_data[name]
            for name, figure in self.figure_names
            if self.cleaned_data[name]
        }

    def figure_fields(self):
        return [self[name] for name, _figure in self.figure_names]

    def figure_rows(self) -> list[dict]:
        """Each declared figure's box with its unit, what it takes, and the portal's computed
        figure in the same unit (shown beside it)."""
        return [
            {
                "field": self[name],
                "unit": self.fields[name].unit,
                "range": self.fields[name].range_text(),
                "computed": with_unit(figure.display(), self.fields[name].unit),
            }
            for name, figure in self.figure_names
        ]


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
        declared = str((answer.values or {}).get(figure.key, ""))
        unit = figure.unit
        rows.append(
            {
                "figure": figure,
                "computed": with_unit(figure.display(), unit),
                "declared": declared_display(figure, declared),
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
            **{
                f"value_{figure.key}": figure_initial(figure, (answer.values or {})[figure.key])
                for figure in (indicator.figures if indicator else ())
                if (answer.values or {}).get(figure.key)
            },
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
    regions = list(Region.objects.visible_to(request.user).county_level().order_by("sort_key"))
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
    # each status pill's count: the cells that clicking it leaves coloured (issue 15 item 5)
    totals = dict.fromkeys(ItemAnswer.Status.values, 0)
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
        for value, n in counts.items():
            totals[value] += n
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
            "status_tabs": [
                (value, label, totals[value])
                for value, label in ItemAnswer.Status.choices
                if value != ItemAnswer.Status.DRAFT
            ],
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
        if form is None:  # accepting has no form: the refusal is a message above the answer
            messages.error(request, " ".join(error.messages))
            return review(request, pk, status=400)
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
