"""Demo hazard ledger for `make run`: about 300 hazards in the districts that have a demo user.

Every hazard is made through `hazards.services` by the users who would do it in real life, so the
demo has its events, history, evidence and referrals as the portal itself would record them:

- the district user (tiedong 铁东区, tiexi 铁西区, haicheng 海城市, gaoxin 高新区) records the hazard,
  changes deadlines (with a reason), refers hazards to departments, verifies and closes or returns;
- the institution's own demo user (kangle for 铁东区康乐老年公寓, niuzhuang for 海城市牛庄镇敬老院),
  where there is one, starts the rectification, attaches the "after" photo and reports it done;
  elsewhere the district user does it on the institution's behalf;
- the department user of the matching department (yingji, shichang, zhujian, weijian) replies to
  the written notices.

Hazards are only made in the regions that have a district demo user (the others would have nobody
to record or verify them). The mix is drawn from `random.Random(2020)`, so every load gives the
same ledger: about 20 % 待整改, 25 % 整改中, 15 % 已整改待核查 and 40 % 已销号; about one open hazard in
ten overdue and a few due within a week; some deadlines extended, some rectifications returned once
and reported again; six major fire hazards (重大火灾隐患), five of them under listed supervision
(挂牌督办); about fifteen written notices to departments, most of them answered. `found_on` and the
deadlines are relative to today; the services stamp the events (and `closed_on`) with now.

Idempotence: the ledger is all or nothing. If any hazard exists at all (demo or not), nothing is
loaded and 0 is returned; a partial ledger cannot arise because `load_demo` runs in one transaction.
"""

import dataclasses
import datetime
import hashlib
import io
import random
from functools import cache
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import User
from core import dates, yamldata
from core.evidence import evidence_for
from core.roles import Role
from hazards import services
from hazards.models import Hazard, Severity, Source, Status
from hazards.services import Action, EvidencePurpose
from institutions.models import Institution

PHRASES_FILE = Path(__file__).resolve().parent / "data" / "demo_hazards.yaml"
SEED = 2020

# Region code -> (district demo user, number of hazards). More where the README's logins look.
DEMO_REGIONS = {
    "210302": ("tiedong", 95),
    "210381": ("haicheng", 110),
    "210303": ("tiexi", 55),
    "210300-Z01": ("gaoxin", 40),
}
# Who determines a major fire hazard and which government lists it, per region.
FIRE_AUTHORITY = {
    "210302": ("鞍山市消防救援支队", "鞍山市人民政府"),
    "210303": ("鞍山市消防救援支队", "鞍山市人民政府"),
    "210300-Z01": ("鞍山市消防救援支队", "鞍山市人民政府"),
    "210381": ("海城市消防救援大队", "海城市人民政府"),
}
# The major fire hazards: region, status, listed (挂牌督办).
MAJOR_FIRE = (
    ("210302", Status.IN_PROGRESS, True),
    ("210302", Status.CLOSED, True),
    ("210381", Status.IN_PROGRESS, True),
    ("210381", Status.AWAITING_VERIFICATION, True),
    ("210303", Status.PENDING, True),
    ("210300-Z01", Status.IN_PROGRESS, False),
)
STATUS_SHARES = (
    (Status.PENDING, 0.20),
    (Status.IN_PROGRESS, 0.25),
    (Status.AWAITING_VERIFICATION, 0.15),
    (Status.CLOSED, 0.40),
)
CATEGORY_WEIGHTS = {
    "fire": 30,
    "food": 14,
    "building": 11,
    "medical": 8,
    "special_equipment": 6,
    "illegal_fundraising": 3,
    "elder_abuse": 3,
    "risk_choking": 3,
    "risk_medication": 2,
    "risk_pressure_ulcer": 2,
    "risk_scald": 2,
    "risk_bed_fall": 2,
    "risk_fall": 4,
    "risk_harm": 1,
    "risk_wandering": 2,
    "risk_recreation": 1,
    "other": 3,
}
SOURCE_WEIGHTS = {
    Source.SURVEY: 30,
    Source.SELF_CHECK: 20,
    Source.RANDOM_CHECK: 15,
    Source.SUPERVISION: 15,
    Source.COMPLAINT: 8,
    Source.DEPARTMENT: 8,
    Source.OTHER: 4,
}
OVERDUE_SHARE = 0.10  # of the open hazards
DUE_SOON_SHARE = 0.05  # of the open hazards: due within 7 days
EXTENDED_OPEN_SHARE = 0.06  # of the open hazards: deadline passed, extended into the future
EXTENDED_CLOSED = 5
RETURNED = 14  # returned once, then reported again (now awaiting verification or closed)
REFERRALS = 15
UNANSWERED_REFERRALS = 3
MAJOR_SEVERITY_SHARE = 0.05  # besides the major fire hazards


@dataclasses.dataclass
class Plan:
    """What one demo hazard will be and go through, decided before anything is saved."""

    institution: Institution
    status: str
    category: str = "fire"
    timing: str = "normal"  # normal | overdue | due_soon | extended
    returned: bool = False
    extended: bool = False
    major_fire: bool = False
    listed: bool = False
    referred: bool = False
    replied: bool = False
    found_on: datetime.date | None = None
    deadline: datetime.date | None = None
    new_deadline: datetime.date | None = None


# Files ------------------------------------------------------------------------------------------


@cache
def demo_photo(attempt: int = 1) -> bytes:
    """A small PNG (320×240, a grey-blue wall with a green tick), the same bytes for every hazard's
    first "after" photo; `attempt` 2 and later (a rectification redone after a return) show the
    wall repainted, with one more tick per attempt, so no two photos of one hazard are the same."""
    from PIL import Image, ImageDraw

    background = (196, 208, 220) if attempt == 1 else (214, 222, 206)
    image = Image.new("RGB", (320, 240), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 150, 300, 220), fill=(150, 150, 140))
    for tick in range(attempt):
        x = 60 * tick
        draw.line((110 - x, 110, 150 - x, 150, 220 - x, 60), fill=(40, 160, 70), width=14)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@cache
def demo_notice_pdf() -> bytes:
    """A minimal one-page PDF standing in for a scanned written notice."""
    text = b"BT /F1 18 Tf 72 720 Td (Written notice - demo) Tj 0 -28 Td /F1 12 Tf (Anshan demo data) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _photo(attempt: int = 1) -> SimpleUploadedFile:
    name = "整改后照片.png" if attempt == 1 else f"整改后照片（第{attempt}次）.png"
    return SimpleUploadedFile(name, demo_photo(attempt), content_type="image/png")


def _add_after_photo(hazard: Hazard, attempt: int, by) -> None:
    """Attach the `attempt`-th "after" photo, refusing a file the hazard already holds as an after
    photo (same SHA-256): the demo once showed one photo twice on a hazard rectified, returned and
    rectified again."""
    photo = _photo(attempt)
    digest = hashlib.sha256(photo.read()).hexdigest()
    photo.seek(0)
    held = evidence_for(hazard, purpose=EvidencePurpose.AFTER).filter(sha256=digest)
    if held.exists():
        raise ValueError(f"{hazard.code}: this after photo is attached already")
    services.evidence_add(hazard=hazard, file=photo, purpose=EvidencePurpose.AFTER, by=by)


def _notice(code: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"书面告知-{code}.pdf", demo_notice_pdf(), content_type="application/pdf")


# Planning ---------------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _statuses(rng: random.Random, total: int) -> list[str]:
    statuses = []
    for status, share in STATUS_SHARES:
        statuses += [status] * round(total * share)
    statuses = (statuses + [Status.CLOSED] * total)[:total]
    rng.shuffle(statuses)
    return statuses


def _plan(
    rng: random.Random, institutions_by_region: dict[str, list[Institution]], users: dict
) -> list[Plan]:
    plans: list[Plan] = []
    for code, (_username, count) in DEMO_REGIONS.items():
        institutions = institutions_by_region.get(code)
        if not institutions:
            continue
        # Institutions with a demo login get more, suspended ones fewer.
        weights = [
            (1.5 if _institution_user(users, i) else 1) * (0.4 if i.operating_status != "operating" else 1)
            for i in institutions
        ]
        for status in _statuses(rng, count):
            institution = rng.choices(institutions, weights=weights)[0]
            plans.append(
                Plan(institution=institution, status=status, category=_weighted(rng, CATEGORY_WEIGHTS))
            )

    for code, status, listed in MAJOR_FIRE:
        plan = next(
            (
                p
                for p in plans
                if p.institution.region.code == code and p.status == status and not p.major_fire
            ),
            None,
        )
        if plan:
            plan.category, plan.major_fire, plan.listed = "fire", True, listed

    open_plans = [p for p in plans if p.status != Status.CLOSED and not p.major_fire]
    rng.shuffle(open_plans)
    n_overdue = round(len(open_plans) * OVERDUE_SHARE)
    n_soon = round(len(open_plans) * DUE_SOON_SHARE)
    n_extended = round(len(open_plans) * EXTENDED_OPEN_SHARE)
    for plan in open_plans[:n_overdue]:
        plan.timing = "overdue"
    for plan in open_plans[n_overdue : n_overdue + n_soon]:
        plan.timing = "due_soon"
    for plan in open_plans[n_overdue + n_soon : n_overdue + n_soon + n_extended]:
        plan.timing, plan.extended = "extended", True
    closed = [p for p in plans if p.status == Status.CLOSED]
    for plan in rng.sample(closed, min(EXTENDED_CLOSED, len(closed))):
        plan.extended = True
    resubmitted = [p for p in plans if p.status in (Status.AWAITING_VERIFICATION, Status.CLOSED)]
    for plan in rng.sample(resubmitted, min(RETURNED, len(resubmitted))):
        plan.returned = True

    # The written notices: every major fire hazard, then the others spread over the departments.
    referred = [p for p in plans if p.major_fire]
    pools = [
        rng.sample(pool, len(pool))
        for category in _phrases()["referral_departments"]
        if (pool := [p for p in plans if p.category == category and not p.major_fire])
    ]
    while len(referred) < REFERRALS and any(pools):
        for pool in pools:
            if pool and len(referred) < REFERRALS:
                referred.append(pool.pop())
    for number, plan in enumerate(referred):
        plan.referred = True
        plan.replied = plan.major_fire or number < len(referred) - UNANSWERED_REFERRALS

    for plan in plans:
        _dates(rng, plan)
    plans.sort(key=lambda p: (p.found_on, p.institution.region.code, p.institution.name))
    return plans


def _dates(rng: random.Random, plan: Plan) -> None:
    """found_on 10-200 days ago and the deadline 7-90 days after it, as the plan's timing needs."""
    today = dates.today()
    if plan.status == Status.CLOSED:
        ago = rng.randint(30, 200)
        offset = rng.randint(7, 90)
    elif plan.major_fire:
        ago = rng.randint(20, 60)
        offset = rng.randint(ago + 10, 90)
    elif plan.timing == "overdue":
        ago = rng.randint(25, 150)
        offset = rng.randint(7, min(90, ago - 1))
    elif plan.timing == "due_soon":
        ago = rng.randint(10, 80)
        offset = rng.randint(max(7, ago), ago + 7)
    elif plan.timing == "extended":
        ago = rng.randint(40, 150)
        offset = rng.randint(7, min(90, ago - 10))
        plan.new_deadline = today + datetime.timedelta(days=rng.randint(10, 40))
    else:
        low = {Status.PENDING: 10, Status.IN_PROGRESS: 12, Status.AWAITING_VERIFICATION: 15}[plan.status]
        ago = rng.randint(low, min(low + 50, 80))
        offset = rng.randint(max(7, ago + 8), 90)
    plan.found_on = today - datetime.timedelta(days=ago)
    plan.deadline = plan.found_on + datetime.timedelta(days=offset)
    if plan.extended and plan.new_deadline is None:
        plan.new_deadline = plan.deadline + datetime.timedelta(days=rng.randint(15, 30))


# Loading ----------------------------------------------------------------------------------------


@cache
def _phrases() -> dict:
    return yamldata.load_file(PHRASES_FILE)


def _institution_user(users: dict[str, User], institution: Institution) -> User | None:
    return next(
        (u for u in users.values() if u.role == Role.INSTITUTION and u.institution_id == institution.pk), None
    )


def _department_user(users: dict[str, User], department: str) -> User | None:
    return next((u for u in users.values() if u.role == Role.DEPARTMENT and u.department == department), None)


def _person(rng: random.Random) -> tuple[str, str]:
    phrases = _phrases()
    name = rng.choice(phrases["surnames"]) + rng.choice(phrases["given_names"])
    phone = f"13{rng.choice('89')}{rng.randrange(10**8):08d}"
    return name, phone


def _not_after_today(day: datetime.date) -> datetime.date:
    return min(day, dates.today())


@transaction.atomic
def load_demo_hazards(users: dict[str, User]) -> int:
    """Load the demo ledger through the services; returns the number of hazards created (0 when
    any hazard already exists)."""
    if Hazard.objects.exists():
        return 0
    rng = random.Random(SEED)
    districts = {code: users.get(username) for code, (username, _count) in DEMO_REGIONS.items()}
    institutions_by_region: dict[str, list[Institution]] = {}
    for institution in (
        Institution.objects.select_related("region")
        .filter(region__code__in=[code for code, user in districts.items() if user])
        .exclude(operating_status="deregistered")
        .order_by("region__code", "name")
    ):
        institutions_by_region.setdefault(institution.region.code, []).append(institution)
    plans = _plan(rng, institutions_by_region, users)
    persons = {}
    for institutions in institutions_by_region.values():
        for institution in institutions:
            persons[institution.pk] = [_person(rng) for _ in range(2)]
    for plan in plans:
        _load(rng, plan, district=districts[plan.institution.region.code], users=users, persons=persons)
    return len(plans)


def _load(rng: random.Random, plan: Plan, *, district: User, users: dict, persons: dict) -> Hazard:
    phrases = _phrases()
    institution = plan.institution
    key = "fire_major" if plan.major_fire else plan.category
    description, measures = rng.choice(phrases["categories"][key])
    person, phone = rng.choice(persons[institution.pk])
    hazard = Hazard(
        institution=institution,
        category=plan.category,
        severity=Severity.MAJOR
        if plan.major_fire or rng.random() < MAJOR_SEVERITY_SHARE
        else Severity.GENERAL,
        source=Source.DEPARTMENT
        if plan.major_fire
        else (Source.COMPLAINT if plan.category == "elder_abuse" else _weighted(rng, SOURCE_WEIGHTS)),
        description=description,
        found_on=plan.found_on,
        measures=measures,
        responsible_unit=institution.name,
        responsible_person=person,
        responsible_phone=phone,
        deadline=plan.deadline,
    )
    if plan.major_fire:
        determined_by, listed_by = FIRE_AUTHORITY[institution.region.code]
        hazard.is_major_fire = True
        hazard.major_determined_by = determined_by
        hazard.major_determined_on = _not_after_today(
            plan.found_on + datetime.timedelta(days=rng.randint(0, 5))
        )
        if plan.listed:
            hazard.is_listed = True
            hazard.listed_by = listed_by
            hazard.listed_on = _not_after_today(
                hazard.major_determined_on + datetime.timedelta(days=rng.randint(3, 10))
            )
    hazard = services.hazard_create(hazard=hazard, by=district)

    if plan.extended:
        hazard = services.hazard_extend(
            hazard=hazard,
            new_deadline=plan.new_deadline,
            reason=rng.choice(phrases["extension_reasons"]),
            by=district,
            expected_version=hazard.version,
        )

    if plan.referred:
        department = phrases["referral_departments"][plan.category]
        referred_on = _not_after_today(plan.found_on + datetime.timedelta(days=rng.randint(1, 7)))
        referral = services.referral_create(
            hazard=hazard,
            department=department,
            referred_on=referred_on,
            note=phrases["referral_notes"][department],
            notice=_notice(hazard.code),
            by=district,
        )
        replier = _department_user(users, department)
        if plan.replied and replier:
            services.referral_reply(
                referral=referral,
                reply=rng.choice(phrases["referral_replies"][department]),
                replied_on=_not_after_today(referred_on + datetime.timedelta(days=rng.randint(3, 15))),
                by=replier,
            )

    if plan.status == Status.PENDING:
        return hazard
    actor = _institution_user(users, institution) or district
    hazard = services.hazard_transition(hazard=hazard, action=Action.START, by=actor)
    if plan.status == Status.IN_PROGRESS:
        return hazard
    _add_after_photo(hazard, 1, actor)
    hazard = services.hazard_transition(hazard=hazard, action=Action.SUBMIT, by=actor)
    if plan.returned:
        hazard = services.hazard_transition(
            hazard=hazard, action=Action.RETURN, by=district, note=rng.choice(phrases["return_opinions"])
        )
        # A second attempt needs a new photo: the rejected one does not prove it.
        _add_after_photo(hazard, 2, actor)
        hazard = services.hazard_transition(hazard=hazard, action=Action.SUBMIT, by=actor)
    if plan.status == Status.AWAITING_VERIFICATION:
        return hazard
    return services.hazard_transition(
        hazard=hazard, action=Action.CLOSE, by=district, note=rng.choice(phrases["close_opinions"])
    )
