"""Computed indicators (issue 6): what the registry, the hazard ledger and the public pages already
answer of the 30 inspection items of the attachment to 鞍民发〔2020〕37号.

Each item the portal can answer has one function `item_N(campaign, region, data=None)` whose
docstring quotes the item exactly as issued and states numerator, denominator and the date it is
measured at. The rules every function follows:

- The population is the operating institutions, `Institution.objects.operating()` (suspended and
  deregistered institutions and converted facilities leave it; the reasons are in its docstring),
  inside the region's subtree (`region__path__startswith`), so a city reads every county-level
  unit under it. The ledger items (3, 24, 25, 27, 28) count hazards, not institutions: every live
  hazard, whatever its institution's status now.
- A deadline comes from the campaign's milestones for that item (`Milestone.items`), never from
  the code. It is inclusive: done on the deadline day is on time. Done means the recorded
  completion date (filing, rating, assessment, national-system update, legal-code entry, closing
  of a hazard, publication), never today.
- Where the registry keeps only the current state and no completion date (GB 38600, the
  service-quality norm, an independent legal person's registration, medical services, fire-safety
  upgrade), the item is measured on the record as it stands (`measured_on` is None) and says so in
  its note. The legal code's entry in the national system is dated (`legal_code_entered_on`):
  items 13 ("1+N" branches) and 14 are judged by that date.
- A ratio is exact (`fractions.Fraction`); a target such as "60%以上" compares
  `numerator * 100 >= 60 * denominator`. An empty denominator is "not applicable": the value is
  None, it shows "—", and `met` is None.

`compute_many` reads each source once for any number of regions (a constant number of queries),
so the city's matrix of regions × items costs the same whatever the number of regions. The
institutions and hazards are aggregated in the database, one `GROUP BY` region query each with one
`FILTER` clause per figure (`data.Data`); the totals of a region are the sum of the groups in its
subtree, so the work in Python grows with the number of regions, not with the rows (issue 11).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from campaign.indicators.data import Data
from campaign.indicators.figures import Figure, Indicator, all_of, at_least, done_by, ratio
from campaign.indicators.items import (
    item_3,
    item_4,
    item_5,
    item_7,
    item_8,
    item_11,
    item_12,
    item_13,
    item_14,
    item_16,
    item_17,
    item_18,
    item_19,
    item_20,
    item_22,
    item_23,
    item_24,
    item_25,
    item_27,
    item_28,
    item_29,
    item_30,
)
from campaign.models import Campaign
from core.models import Region

__all__ = [
    "COMPUTABLE",
    "INDICATORS",
    "NARRATIVE",
    "PARTLY",
    "Data",
    "Figure",
    "Indicator",
    "all_of",
    "at_least",
    "compute",
    "compute_many",
    "done_by",
    "ratio",
]


# Registry ---------------------------------------------------------------------------------------

# The lists. Items 22 (training organised by the civil-affairs departments: `trainings`) and
# 23 (the "一事一议" request to the government by the end of August: `fireacceptance`) compute from
# issue 17's records; 24 and 27 add the fire drills and the police referrals and complaints.
COMPUTABLE = frozenset({3, 4, 5, 7, 8, 13, 14, 16, 17, 19, 20, 29, 30})
PARTLY = frozenset({11, 12, 18, 22, 23, 24, 25, 27, 28})
NARRATIVE = frozenset({1, 2, 6, 9, 10, 15, 21, 26})

INDICATORS: dict[int, Callable[..., Indicator]] = {
    3: item_3,
    4: item_4,
    5: item_5,
    7: item_7,
    8: item_8,
    11: item_11,
    12: item_12,
    13: item_13,
    14: item_14,
    16: item_16,
    17: item_17,
    18: item_18,
    19: item_19,
    20: item_20,
    22: item_22,
    23: item_23,
    24: item_24,
    25: item_25,
    27: item_27,
    28: item_28,
    29: item_29,
    30: item_30,
}


def compute(
    campaign: Campaign, region: Region, number: int, *, as_of: datetime.date | None = None
) -> Indicator | None:
    """The portal's figures for one item and region (as of a date: see `Data`); None for an item
    it cannot compute."""
    function = INDICATORS.get(number)
    if function is None:
        return None
    return function(campaign, region, data=Data(campaign, [region], as_of=as_of))


def compute_many(
    campaign: Campaign,
    regions: Iterable[Region],
    numbers: Iterable[int] | None = None,
    *,
    as_of: datetime.date | None = None,
) -> dict[int, dict[int, Indicator]]:
    """{region id: {item number: indicator}} for every region and computable item asked for (all
    by default; narrative items and unknown numbers are left out), the same indicators `compute`
    gives one at a time. A constant number of queries whatever the number of regions and rows: at
    most one each for milestones, institutions and hazards (aggregated per region, referrals
    included), county-level units and publications. Raises nothing of its own; an empty
    `regions` gives {}. `as_of` (a date, Asia/Shanghai) measures the records as they stood at the
    end of that day (`Data`); None, as they stand now."""
    regions = list(regions)
    wanted = sorted(n for n in (numbers if numbers is not None else INDICATORS) if n in INDICATORS)
    data = Data(campaign, regions, as_of=as_of)
    return {region.pk: {n: INDICATORS[n](campaign, region, data=data) for n in wanted} for region in regions}
