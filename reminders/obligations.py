"""The shape every source answers with (reminders.sources): who still owes what, due when."""

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Obligation:
    """One piece of work still owed on the date asked about.

    - `source`: a `reminders.models.Source` value; `subject`: a stable key of the thing owed within
      the source (≤ 100 characters), e.g. ``"hazard:17"`` or ``"milestone:3:region:12"``;
    - `title`: what to do, in the active language (Chinese by default), naming only what every
      recipient may see; `url`: the page where the work is done (a path);
    - `due_on`: the inclusive due date (Asia/Shanghai);
    - `recipients`: ids of the users who must act (each one can see the subject);
    - `escalate_to`: ids of the users told when it is still not done `Rule.escalate_after` days
      after `due_on` (the city's staff), with `unit` naming the late unit in their list.
    """

    source: str
    subject: str
    title: str
    url: str
    due_on: datetime.date
    recipients: frozenset[int]
    escalate_to: frozenset[int] = field(default_factory=frozenset)
    unit: str = ""
