"""The data-quality panel ("X-rays", issue 13): contradictions the records hold, per region.

Each check in `CHECKS` names the model it concerns and has ONE definition of its condition,
`check.condition(scope)`, a `Q` over that model's population (`population(model, scope)`). The
panel's counts (`counts`) put the same `Q` into a `COUNT(*) FILTER (WHERE …)` of one grouped query
per model, and the record list (`records`) filters the same population with it, so a number on the
panel and the length of its list cannot disagree.

The populations:

- institutions: `Institution.objects.operating()` inside the user's scope, the population every
  figure of the portal counts (suspended, deregistered and converted records leave every figure, so
  a contradiction in them falsifies none; they keep their records and history in the registry);
- hazards: live hazards (`Hazard.objects.live()`), whatever their institution's status, as the
  ledger items count them;
- answers to the 30 items: those of the campaigns of the current year (the year of the latest
  campaign the user can see, as the checklist picks it): an answer to an older campaign was judged
  against the records of its time.

Two checks cannot be said in SQL: the credit code (GB 32100's check character, `institutions.uscc`)
and the declared figures (compared with `campaign.indicators.compute_many`). Their condition is
`pk IN (ids)`, the ids found once per `Scope` by reading the population's few columns in one query
(and, for the figures, `compute_many`'s five), in Python; counts and lists share the scope's ids.

Queries for `counts`: one grouped query per model, plus the campaigns (1), the credit codes (1),
the answers' figures (1 + 5 per campaign of the year with declared figures, one campaign for a city
user), whatever the number of regions, institutions, hazards and answers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, Model, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from campaign import indicators
from campaign.indicators.figures import AMOUNT, COUNT, RATIO, Figure
from campaign.models import Campaign, ItemAnswer
from core import dates
from core.models import Evidence
from hazards.models import Hazard
from hazards.models import Status as HazardStatus
from hazards.services import EvidencePurpose
from institutions import uscc
from institutions.models import (
    CODE_PREFIXES,
    FilingStatus,
    Institution,
    LegalPersonStatus,
    RegistrationForm,
)

STALE_AFTER_DAYS = 365
# "Far": the declared figure differs from the computed one by more than this share of the computed
# one, and by more than ABSOLUTE (a count, an amount, or percentage points for a ratio).
RELATIVE = Fraction(1, 10)
ABSOLUTE = 1
DONE = (ItemAnswer.Status.SUBMITTED, ItemAnswer.Status.ACCEPTED)
# The ledger items and the hazard categories each counts (campaign/indicators/items.py: item 3
# reads every category, items 24, 25, 27, 28 one each).
LEDGER_ITEMS: dict[int, tuple[str, ...] | None] = {
    3: None,
    24: ("fire",),
    25: ("food",),
    27: ("elder_abuse",),
    28: ("illegal_fundraising",),
}


# The scope: whose records, judged on which day ------------------------------------------------


@dataclass
class Scope:
    """A user's records, judged on day `on` (Asia/Shanghai, default today). Keeps what the Python
    checks found, so that the counts and a list built from one scope read the same ids."""

    user: object
    on: datetime.date = field(default_factory=dates.today)

    @cached_property
    def campaign_ids(self) -> list[int]:
        """The campaigns of the current year the user can see: this year's, else the latest year's."""
        campaigns = list(Campaign.objects.visible_to(self.user).values_list("pk", "year"))
        if not campaigns:
            return []
        years = {year for _pk, year in campaigns}
        year = self.on.year if self.on.year in years else max(years)
        return [pk for pk, campaign_year in campaigns if campaign_year == year]

    @cached_property
    def bad_code_ids(self) -> list[int]:
        rows = population(Institution, self).exclude(credit_code="").order_by()
        columns = rows.values_list("pk", "credit_code", "credit_code_confirmed", "registration_form")
        return sorted(pk for pk, code, confirmed, form in columns if code_problem(code, confirmed, form))

    @cached_property
    def far_figures(self) -> dict[int, list[tuple[Figure, str]]]:
        """{answer id: [(computed figure, declared text)]} for the handed-in answers with a declared
        figure far from the computed one."""
        answers = list(
            population(ItemAnswer, self)
            .filter(status__in=DONE, item__number__in=list(indicators.INDICATORS))
            .exclude(values={})
            .select_related("region", "item__campaign")
            .order_by()
        )
        found: dict[int, list[tuple[Figure, str]]] = {}
        by_campaign: dict[Campaign, list[ItemAnswer]] = {}
        for answer in answers:
            by_campaign.setdefault(answer.item.campaign, []).append(answer)
        for campaign, group in by_campaign.items():
            regions = {answer.region_id: answer.region for answer in group}.values()
            numbers = {answer.item.number for answer in group}
            computed = indicators.compute_many(campaign, regions, numbers)
            for answer in group:
                indicator = computed[answer.region_id].get(answer.item.number)
                far = [
                    (figure, str(answer.values[figure.key]))
                    for figure in (indicator.figures if indicator else ())
                    if figure.key in answer.values and is_far(figure, str(answer.values[figure.key]))
                ]
                if far:
                    found[answer.pk] = far
        return found


def population(model: type[Model], scope: Scope) -> QuerySet:
    """The records of `model` the checks look at, inside the user's scope (module docstring)."""
    if model is Institution:
        return Institution.objects.visible_to(scope.user).operating()
    if model is Hazard:
        return Hazard.objects.visible_to(scope.user).live()
    if model is ItemAnswer:
        return ItemAnswer.objects.visible_to(scope.user).filter(item__campaign_id__in=scope.campaign_ids)
    raise ValueError(model)


# Helpers of the Python checks ---------------------------------------------------------------------


def code_problem(code: str, confirmed: bool, registration_form: str) -> bool:
    """Whether a recorded credit code breaks the registry's own rules (`Institution._clean_credit_code`):
    a wrong segment, length or character; a check character that fails GB 32100 and was not
    confirmed as verified manually; or a first pair that does not fit the registration form."""
    try:
        uscc.validate(code)
    except ValidationError as error:
        if error.code != "check_digit" or not confirmed:
            return True
    prefixes = CODE_PREFIXES.get(registration_form)
    return bool(prefixes and len(code) == uscc.LENGTH and code[:2] not in prefixes)


def declared_number(figure: Figure, text: str) -> Fraction | None:
    """A declared figure as a number comparable with the computed one, read as `Figure.matches`
    reads it: a ratio in percent ("62.5%", "0.625", "5/8" all give 62.5), a count or an amount as
    written ("1，200" is 1200). None for a date, a yes/no, or anything unreadable."""
    text = (text or "").strip().replace(" ", "").replace("％", "%").replace("，", "").replace(",", "")
    if not text or figure.kind not in (RATIO, COUNT, AMOUNT):
        return None
    try:
        if figure.kind == RATIO:
            if text.endswith("%"):
                return Fraction(Decimal(text[:-1]))
            return (Fraction(text) if "/" in text else Fraction(Decimal(text))) * 100
        return Fraction(Decimal(text))
    except (ArithmeticError, ValueError, ZeroDivisionError, InvalidOperation):
        return None


def computed_number(figure: Figure) -> Fraction | None:
    if figure.value is None or figure.kind not in (RATIO, COUNT, AMOUNT):
        return None
    return Fraction(figure.value) * (100 if figure.kind == RATIO else 1)


def is_far(figure: Figure, text: str) -> bool:
    """Declared and computed differ by more than 10 % of the computed figure and by more than 1 (a
    count, an amount in 10,000 yuan, percentage points of a ratio). A computed figure of 0 is
    "far" from any declared figure above 1. Not applicable ("—") or unreadable: not far."""
    declared, computed = declared_number(figure, text), computed_number(figure)
    if declared is None or computed is None:
        return False
    difference = abs(declared - computed)
    return difference > ABSOLUTE and difference > RELATIVE * abs(computed)


# The checks ---------------------------------------------------------------------------------------


def _nursing_above_beds(scope: Scope) -> Q:
    """More nursing-type beds than beds. The database refuses such a row (constraint
    `institution_nursing_beds_within_beds`, and `Institution.clean`), so this reads 0 unless rows
    reach the table around it (a restore without constraints, SQL by hand); the panel keeps it so
    that the zero is a statement, checked, not an assumption."""
    return Q(nursing_beds__gt=F("beds"))


def _unregistered_filed(scope: Scope) -> Q:
    """Registration form "not registered" while the filing status is "filed": filing (备案) under
    the commitment system presupposes a registered legal person."""
    return Q(registration_form=RegistrationForm.UNREGISTERED, filing_status=FilingStatus.FILED)


def _filed_before_registered(scope: Scope) -> Q:
    """A special-hardship facility marked filed before it is registered as a legal person. The
    registry dates that registration only for a "1+N" branch: the notice deems the entry of its
    head's code in the national system its registration (`legal_code_entered_on`). So: a facility
    whose legal-person registration is "not yet completed", or a branch whose head's code is not
    entered, or was entered after the filing date. (An independent legal person's registration date
    is not kept; a branch marked entered without a date cannot be judged: neither is counted.)"""
    branch_unregistered = Q(legal_code_entered=False) | Q(filed_on__lt=F("legal_code_entered_on"))
    return Q(is_special_hardship=True, filing_status=FilingStatus.FILED) & (
        Q(legal_person_status=LegalPersonStatus.PENDING)
        | (Q(legal_person_status=LegalPersonStatus.BRANCH) & branch_unregistered)
    )


def _bad_credit_code(scope: Scope) -> Q:
    """A recorded credit code that breaks the registry's rules (`code_problem`): invalid (length,
    characters, registration authority, organisation type, division, a first pair that does not fit
    the registration form), or a check character failing GB 32100 that nobody confirmed as verified
    manually (`credit_code_confirmed`). An empty code is not counted here."""
    return Q(pk__in=scope.bad_code_ids)


def _stale_national_data(scope: Scope) -> Q:
    """National-system data never updated (`national_data_updated_on` empty) or last updated more
    than 365 days before the day judged (today, Asia/Shanghai): updated 365 days ago is still in time."""
    return Q(national_data_updated_on__isnull=True) | Q(
        national_data_updated_on__lt=scope.on - datetime.timedelta(days=STALE_AFTER_DAYS)
    )


def _closed_without_after_photo(scope: Scope) -> Q:
    """A closed (已销号) live hazard with no "after rectification" file (photo or document, not
    removed): closing should rest on proof of the fix. Typically an imported closed row."""
    after = Evidence.objects.live().filter(
        owner_type__app_label="hazards",
        owner_type__model="hazard",
        owner_id=OuterRef("pk"),
        purpose=EvidencePurpose.AFTER,
    )
    return Q(status=HazardStatus.CLOSED) & ~Exists(after)


def _done_with_open_hazards(scope: Scope) -> Q:
    """An answer to a ledger item (3: every hazard; 24 fire, 25 food, 27 elder abuse, 28 illegal
    fund-raising) submitted or accepted while its unit's ledger holds a live hazard of that item's
    categories that is still open past its deadline (overdue on the day judged)."""
    overdue = Hazard.objects.live().overdue(scope.on).filter(region=OuterRef("region"))
    linked = Q()
    for number, categories in LEDGER_ITEMS.items():
        hazards = overdue.filter(category__in=categories) if categories else overdue
        linked |= Q(item__number=number) & Exists(hazards)
    return Q(status__in=DONE) & linked


def _declared_far(scope: Scope) -> Q:
    """A submitted or accepted answer with a declared figure (`ItemAnswer.values`) far from the
    figure the portal computes under the same key (`compute_many`): more than 10 % and more than 1
    apart (`is_far`)."""
    return Q(pk__in=sorted(scope.far_figures))


@dataclass(frozen=True)
class Check:
    key: str
    label: object  # lazy translation
    explanation: object  # lazy translation, one sentence
    model: type[Model]
    condition: Callable[[Scope], Q]
    fields: tuple[str, ...] = ()  # the record's fields the list shows beside its name
    heading: object = ""  # the panel's column heading, "|" where a line may break

    @property
    def heading_lines(self) -> list[str]:
        return str(self.heading or self.label).split("|")

    @property
    def definition(self) -> str:
        return self.condition.__doc__ or ""


CHECKS: tuple[Check, ...] = (
    Check(
        "nursing-beds",
        _("Nursing beds above beds"),
        _("The institution records more nursing-type beds than beds."),
        Institution,
        _nursing_above_beds,
        ("beds", "nursing_beds"),
        _("Nursing beds|above beds"),
    ),
    Check(
        "unregistered-filed",
        _("Unregistered but filed"),
        _("The institution is recorded as not registered, yet as filed."),
        Institution,
        _unregistered_filed,
        ("registration_form", "filing_status", "filed_on"),
        _("Unregistered|but filed"),
    ),
    Check(
        "filed-before-registered",
        _("Filed before registered"),
        _(
            "A special-hardship facility is marked filed while its legal-person registration is not "
            "completed, or before its head's code was entered in the national system."
        ),
        Institution,
        _filed_before_registered,
        ("legal_person_status", "filed_on", "legal_code_entered_on"),
        _("Filed before|registered"),
    ),
    Check(
        "credit-code",
        _("Invalid or unconfirmed credit code"),
        _(
            "The credit code breaks GB 32100 or does not fit the registration form, or its check "
            "character fails and nobody confirmed it as verified manually."
        ),
        Institution,
        _bad_credit_code,
        ("credit_code", "registration_form", "credit_code_confirmed"),
        _("Credit code|in doubt"),
    ),
    Check(
        "national-data",
        _("National-system data over a year old"),
        _("The institution's data in the national system was never updated, or not for more than 365 days."),
        Institution,
        _stale_national_data,
        ("national_data_updated_on",),
        _("National data|over a year old"),
    ),
    Check(
        "closed-without-photo",
        _("Closed without an after-photo"),
        _("The hazard is closed but has no file proving the rectification."),
        Hazard,
        _closed_without_after_photo,
        ("status", "closed_on"),
        _("Closed|without after-photo"),
    ),
    Check(
        "done-with-open-hazards",
        _("Answered while hazards are overdue"),
        _(
            "A ledger item (3, 24, 25, 27, 28) is submitted or accepted while the unit has hazards of "
            "that item open past their deadline."
        ),
        ItemAnswer,
        _done_with_open_hazards,
        ("status",),
        _("Done|with overdue hazards"),
    ),
    Check(
        "declared-figures",
        _("Declared figure far from the computed one"),
        _(
            "A submitted or accepted answer declares a figure more than 10% (and more than 1) away "
            "from the figure the portal computes."
        ),
        ItemAnswer,
        _declared_far,
        ("status",),
        _("Declared|far from computed"),
    ),
)
BY_KEY = {check.key: check for check in CHECKS}
MODELS = (Institution, Hazard, ItemAnswer)


def check_for(key: str) -> Check | None:
    return BY_KEY.get(key)


# Counts and records -------------------------------------------------------------------------------


@dataclass
class Counts:
    """`by_region`: {region id: {check key: n}} for every region with a record in the population
    (zeros included); `totals`: {check key: n} over the user's whole scope."""

    by_region: dict[int, dict[str, int]]
    totals: dict[str, int]


def counts(user, on: datetime.date | None = None, scope: Scope | None = None) -> Counts:
    """The number of records failing each check per region, over `visible_to(user)` only: one
    `GROUP BY region` query per model with a `COUNT(*) FILTER (WHERE condition)` per check."""
    scope = scope or Scope(user, on or dates.today())
    by_region: dict[int, dict[str, int]] = {}
    for model in MODELS:
        checks = [check for check in CHECKS if check.model is model]
        aggregates = {
            f"check_{n}": Count("pk", filter=check.condition(scope)) for n, check in enumerate(checks)
        }
        rows = population(model, scope).order_by().values("region_id").annotate(**aggregates)
        for row in rows:
            line = by_region.setdefault(row["region_id"], dict.fromkeys(BY_KEY, 0))
            for n, check in enumerate(checks):
                line[check.key] += row[f"check_{n}"]
    totals = dict.fromkeys(BY_KEY, 0)
    for line in by_region.values():
        for key, n in line.items():
            totals[key] += n
    return Counts(by_region, totals)


def records(check: Check, user, on: datetime.date | None = None, scope: Scope | None = None) -> QuerySet:
    """The records failing `check` in the user's scope: the population filtered by the very
    condition `counts` counts."""
    scope = scope or Scope(user, on or dates.today())
    return population(check.model, scope).filter(check.condition(scope))
