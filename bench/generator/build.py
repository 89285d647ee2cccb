"""The ``Generator``: every table's rows in order (regions, users, the campaign, institutions,
hazards with their timeline, evidence and history, answers to the 30 items) from one seeded
random sequence, each table written by ``copy_rows``; ``Report`` counts what was written."""

from __future__ import annotations

import datetime
import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction

from accounts.models import User
from bench.generator.data import (
    BENCH_PASSWORD,
    CAMPAIGN_START,
    CITY,
    DEPARTMENT_FOR,
    DESCRIPTIONS,
    DISTRICT,
    HOME_KINDS,
    HOME_WORDS,
    MEASURES,
    TOWN_WORDS,
    TZ,
    USERS,
    Scale,
    at,
    day_between,
    load_regions,
    mobile,
    person,
    png_bytes,
)
from bench.generator.pgcopy import copy_rows
from campaign.models import AnswerEvent, Campaign, InspectionItem, ItemAnswer
from campaign.services import DATA_DIR as CAMPAIGN_DATA
from campaign.services import campaign_load_file
from core.models import Evidence, Region
from core.roles import Role
from hazards.models import CATEGORIES, DeadlineChange, Hazard, HazardEvent, Referral, Severity, Source
from hazards.models import Status as HazardStatus
from hazards.services import EvidencePurpose
from institutions import uscc
from institutions.models import (
    RISK_FIELDS,
    Area,
    FilingStatus,
    FireSafetyStatus,
    Institution,
    LegalPersonStatus,
    MedicalMode,
    Nature,
    OperatingStatus,
    RegistrationForm,
)

# The generator ------------------------------------------------------------------------------------


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, number: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + number

    def __str__(self) -> str:
        return ", ".join(f"{number:,} {name}" for name, number in self.counts.items())


class Generator:
    def __init__(
        self,
        scale: Scale,
        *,
        seed: int = 2020,
        as_of: datetime.date,
        password: str = BENCH_PASSWORD,
        log=print,
    ):
        self.scale = scale
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.password = password
        self.log = log
        self.report = Report()

    def _bulk(self, model, rows: list, name: str | None = None) -> list:
        copy_rows(model, rows)
        self.report.add(name or str(model._meta.verbose_name_plural), len(rows))
        return rows

    @transaction.atomic
    def run(self) -> Report:
        if (
            Hazard.objects.filter(code__startswith="BENCH").exists()
            or User.objects.filter(username="bench-city").exists()
        ):
            raise RuntimeError("bench data is already loaded in this database")
        self.units = load_regions(self.scale.province)
        self.report.add("county-level units", len(self.units))
        self.campaign, _ = campaign_load_file(path=CAMPAIGN_DATA / "anshan_2020.yaml")
        self.users()
        self.institutions()
        self.hazards()
        self.answers()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return self.report

    def history(self, model, objs, name):
        """The "created" row of django-simple-history for each record, dated and signed as the
        record (what `save()` would have written)."""
        history = model.history.model
        tracked = [f.attname for f in history.tracked_fields]
        rows = [
            history(
                history_date=obj._history_date,
                history_user_id=obj._history_user.pk,
                history_change_reason="",
                history_type="+",
                **{name: getattr(obj, name) for name in tracked},
            )
            for obj in objs
        ]
        self._bulk(history, rows, name)

    # Users -----------------------------------------------------------------------------------

    def users(self):
        regions = {r.code: r for r in Region.objects.all()}
        hashed = make_password(self.password)
        rows = [
            User(
                username="bench-admin",
                full_name="系统管理员",
                email="bench-admin@bench.invalid",
                role=Role.ADMIN,
                is_superuser=True,
                is_staff=True,
                password=hashed,
            )
        ]
        for username, (role, region, department, full_name) in USERS.items():
            rows.append(
                User(
                    username=username,
                    full_name=full_name,
                    email=f"{username}@bench.invalid",
                    role=role,
                    region=regions[region],
                    department=department,
                    password=hashed,
                )
            )
        # one district user per county-level unit (the author of its ledger lines); 铁东区's is bench-district
        for unit in self.units:
            if unit.code != DISTRICT:
                rows.append(
                    User(
                        username=f"bench-d-{unit.code}",
                        full_name=f"{unit.name}工作人员",
                        email=f"bench-d-{unit.code}@bench.invalid",
                        role=Role.DISTRICT,
                        region=unit,
                        password=hashed,
                    )
                )
        self._bulk(User, rows, "users")
        users = {u.username: u for u in User.objects.filter(username__startswith="bench-")}
        self.district_user = {u.region_id: u for u in users.values() if u.role == Role.DISTRICT}
        self.department_user = {u.department: u for u in users.values() if u.role == Role.DEPARTMENT}
        self.city_user = users["bench-city"]
        self.users_by_name = users

    # Institutions ----------------------------------------------------------------------------

    def institutions(self):
        rng, today = self.rng, self.as_of
        # weight: districts and counties hold most homes, the city-run bucket and zones few
        weights = [
            1
            if u.kind in (Region.Kind.CITY_LEVEL, Region.Kind.SCENIC_AREA, Region.Kind.DEVELOPMENT_ZONE)
            else 4
            for u in self.units
        ]
        names: set[tuple[int, str]] = set()
        codes: set[str] = set()
        heads: dict[int, list[Institution]] = defaultdict(list)
        rows: list[Institution] = []
        for _ in range(self.scale.institutions):
            unit = rng.choices(self.units, weights)[0]
            inst = self._institution(unit, rng, today, names, codes)
            if inst.legal_person_status == LegalPersonStatus.BRANCH:
                candidates = heads[unit.pk]
                if candidates:
                    head = rng.choice(candidates)
                    inst.credit_code = head.credit_code
                    inst._head = head
                else:
                    inst.legal_person_status = LegalPersonStatus.INDEPENDENT
            if inst.legal_person_status == LegalPersonStatus.INDEPENDENT and inst.credit_code:
                heads[unit.pk].append(inst)
            rows.append(inst)
        # heads before branches: a branch's parent must exist first
        first = [i for i in rows if not hasattr(i, "_head")]
        second = [i for i in rows if hasattr(i, "_head")]
        self._bulk(Institution, first, "institutions")
        for inst in second:
            inst.parent_id = inst._head.pk
        self._bulk(Institution, second, "institutions")
        self.all_institutions = first + second
        for inst in self.all_institutions:
            inst._history_date = inst.created_at
            inst._history_user = self.district_user[inst.region_id]
        self.history(Institution, self.all_institutions, "institution history rows")
        self.institution_user()

    def _institution(self, unit, rng, today, names, codes) -> Institution:
        special = rng.random() < 0.15
        nature = (
            Nature.PUBLIC
            if special
            else rng.choices([Nature.PUBLIC, Nature.PUBLIC_PRIVATE, Nature.PRIVATE], [2, 2, 6])[0]
        )
        if special:
            town = rng.choice(TOWN_WORDS)
            base = f"{unit.name}{town}敬老院"
        else:
            base = f"{unit.name}{rng.choice(HOME_WORDS)}{rng.choice(HOME_KINDS)}"
        name, n = base, 1
        while (unit.pk, name) in names:
            n += 1
            name = f"{base}（{n}）"
        names.add((unit.pk, name))
        if nature == Nature.PRIVATE:
            form = rng.choices(
                [
                    RegistrationForm.SOCIAL_ORGANISATION,
                    RegistrationForm.ENTERPRISE,
                    RegistrationForm.UNREGISTERED,
                ],
                [7, 2.5, 0.5],
            )[0]
        elif nature == Nature.PUBLIC:
            form = (
                RegistrationForm.PUBLIC_INSTITUTION
                if special or rng.random() < 0.7
                else RegistrationForm.SOCIAL_ORGANISATION
            )
        else:
            form = RegistrationForm.SOCIAL_ORGANISATION
        code = ""
        if form != RegistrationForm.UNREGISTERED:
            prefix = {
                RegistrationForm.PUBLIC_INSTITUTION: "12",
                RegistrationForm.SOCIAL_ORGANISATION: "52",
                RegistrationForm.ENTERPRISE: "91",
            }[form]
            division = unit.code[:6] if unit.has_official_code else unit.parent.code
            while not code or code in codes:
                code = uscc.generate(prefix[0], prefix[1], division, rng=rng)
            codes.add(code)
        created = day_between(rng, datetime.date(2019, 1, 1), min(today, datetime.date(2024, 12, 31)))
        filed = rng.random() < 0.9
        beds = rng.randrange(20, 301)
        residents = rng.randrange(0, beds + 1)
        disabled = rng.randrange(0, residents + 1)
        semi = rng.randrange(0, residents - disabled + 1)
        all_risks = rng.random() < 0.45
        risks = {name: all_risks or rng.random() < 0.7 for name in RISK_FIELDS}
        stars = rng.choices([0, 1, 2, 3, 4, 5], [40, 10, 20, 15, 10, 5])[0]
        medical = rng.choice(list(MedicalMode))
        legal = ""
        if special:
            legal = rng.choices(list(LegalPersonStatus), [60, 15, 10, 15])[0]
        entered_on = None
        if legal in (LegalPersonStatus.INDEPENDENT, LegalPersonStatus.BRANCH) and rng.random() < 0.8:
            entered_on = day_between(rng, datetime.date(2020, 9, 1), min(today, datetime.date(2021, 6, 30)))
        private = nature == Nature.PRIVATE
        fire = rng.choice(list(FireSafetyStatus)) if private else ""
        inst = Institution(
            name=name,
            credit_code=code,
            region=unit,
            address=f"{unit.name}{rng.choice(TOWN_WORDS)}街道{rng.randrange(1, 300)}号",
            legal_representative=person(rng),
            phone=mobile(rng),
            nature=nature,
            registration_form=form,
            filing_status=FilingStatus.FILED if filed else FilingStatus.UNFILED,
            filed_on=created if filed else None,
            unfiled_found_on=None if filed else day_between(rng, CAMPAIGN_START, today),
            is_special_hardship=special,
            area=Area.RURAL if special or rng.random() < 0.3 else Area.URBAN,
            legal_person_status=legal,
            legal_code_entered=entered_on is not None,
            legal_code_entered_on=entered_on,
            operating_status=rng.choices(list(OperatingStatus), [92, 5, 3])[0],
            beds=beds,
            nursing_beds=rng.randrange(0, beds + 1),
            residents=residents,
            disabled_residents=disabled,
            semi_disabled_residents=semi,
            medical_mode=medical,
            integrated_care=medical in (MedicalMode.IN_HOUSE, MedicalMode.CLINIC) and rng.random() < 0.6,
            ext_meal=rng.random() < 0.5,
            ext_bath=rng.random() < 0.3,
            ext_cleaning=rng.random() < 0.3,
            ext_medical=rng.random() < 0.2,
            ext_recreation=rng.random() < 0.4,
            star_rating=stars,
            star_rated_on=day_between(rng, datetime.date(2020, 1, 1), today) if stars else None,
            gb38600_compliant=all(risks.values()),
            risk_assessed_on=day_between(rng, CAMPAIGN_START, today) if rng.random() < 0.8 else None,
            quality_norm_compliant=rng.random() < 0.6,
            fire_safety_status=fire,
            fire_gov_funds=Decimal(rng.randrange(0, 5000)) / 100
            if fire == FireSafetyStatus.UPGRADING
            else None,
            fire_own_funds=Decimal(rng.randrange(0, 5000)) / 100
            if fire == FireSafetyStatus.UPGRADING
            else None,
            national_data_updated_on=day_between(rng, CAMPAIGN_START, today) if rng.random() < 0.85 else None,
            created_at=at(created, rng),
            updated_at=at(created, rng),
            **risks,
        )
        return inst

    def institution_user(self):
        """`bench-institution` (an operating home of 铁东区), then one user for as many other
        operating homes, drawn at random, as bring the users to the scale's number (3,000 for the
        province: the reminder scan's recipients)."""
        operating = [i for i in self.all_institutions if i.is_operating]
        own = next(i for i in operating if i.region.code == DISTRICT)
        password = self.users_by_name["bench-city"].password
        rows = [
            User(
                username="bench-institution",
                full_name="机构工作人员",
                email="bench-institution@bench.invalid",
                role=Role.INSTITUTION,
                institution=own,
                region=own.region,
                password=password,
            )
        ]
        more = max(self.scale.users - len(self.users_by_name) - 1, 0)
        others = [i for i in operating if i.pk != own.pk]
        for inst in sorted(self.rng.sample(others, min(more, len(others))), key=lambda i: i.pk):
            rows.append(
                User(
                    username=f"bench-i-{inst.pk}",
                    full_name=f"{inst.name}工作人员"[:60],
                    email=f"bench-i-{inst.pk}@bench.invalid",
                    role=Role.INSTITUTION,
                    institution=inst,
                    region=inst.region,
                    password=password,
                )
            )
        self._bulk(User, rows, "users")

    # Hazards ---------------------------------------------------------------------------------

    def hazards(self):
        rng, today = self.rng, self.as_of
        institutions = self.all_institutions
        categories = [value for value, _label in CATEGORIES]
        cat_weights = [30 if c == "fire" else 8 if c in DESCRIPTIONS else 2 for c in categories]
        regions = {u.pk: u for u in self.units}
        city_names = {u.pk: u.parent.name for u in self.units}
        # draw the hazards, then number them per region and year in the order they were found
        drawn = []
        for _ in range(self.scale.hazards):
            inst = rng.choice(institutions)
            found = day_between(rng, CAMPAIGN_START, today - datetime.timedelta(days=1))
            drawn.append((found, inst))
        drawn.sort(key=lambda pair: (pair[0], pair[1].pk))
        serials: dict[tuple[int, int], int] = defaultdict(int)
        hazards: list[Hazard] = []
        plans = []
        for found, inst in drawn:
            region = regions[inst.region_id]
            serials[region.pk, found.year] += 1
            category = rng.choices(categories, cat_weights)[0]
            severity = Severity.MAJOR if rng.random() < 0.08 else Severity.GENERAL
            original = found + datetime.timedelta(days=rng.choice((7, 15, 30, 30, 45, 60, 90)))
            extended = rng.random() < 0.07
            deadline = original + datetime.timedelta(days=rng.choice((15, 30, 60))) if extended else original
            age = (today - found).days
            # older hazards are mostly closed; recent ones spread over the open statuses
            p_closed = 0.9 if age > 365 else 0.7 if age > 120 else 0.35 if age > 30 else 0.05
            roll = rng.random()
            if roll < p_closed:
                status = HazardStatus.CLOSED
            else:
                status = rng.choices(
                    [HazardStatus.PENDING, HazardStatus.IN_PROGRESS, HazardStatus.AWAITING_VERIFICATION],
                    [3, 5, 2],
                )[0]
            district = self.district_user[region.pk]
            major_fire = category == "fire" and severity == Severity.MAJOR and rng.random() < 0.5
            listed = major_fire and rng.random() < 0.8
            h = Hazard(
                code=f"{region.code}-{found.year}-{serials[region.pk, found.year]:04d}",
                institution=inst,
                region=region,
                category=category,
                severity=severity,
                source=rng.choice(list(Source))
                if category != "fire"
                else rng.choice([Source.SURVEY, Source.RANDOM_CHECK, Source.DEPARTMENT, Source.SUPERVISION]),
                description=rng.choice(DESCRIPTIONS.get(category, DESCRIPTIONS["other"])),
                found_on=found,
                measures=MEASURES,
                responsible_unit=inst.name,
                responsible_person=inst.legal_representative or person(rng),
                responsible_phone=inst.phone,
                deadline=deadline,
                original_deadline=original,
                status=status,
                is_major_fire=major_fire,
                major_determined_by=f"{city_names[region.pk]}消防救援支队" if major_fire else "",
                major_determined_on=found if major_fire else None,
                is_listed=listed,
                listed_by=f"{city_names[region.pk]}人民政府" if listed else "",
                listed_on=found + datetime.timedelta(days=3)
                if listed and found + datetime.timedelta(days=3) <= today
                else (found if listed else None),
                created_by=district,
                created_at=at(found, rng),
            )
            h.updated_at = h.created_at
            if status == HazardStatus.CLOSED:
                closed = min(
                    today,
                    day_between(
                        rng, found + datetime.timedelta(days=3), deadline + datetime.timedelta(days=20)
                    ),
                )
                closed = max(closed, found)
                h.closed_on = closed
                h.verified_by = district
                h.verified_at = at(closed, rng)
                h.verification_opinion = "经现场核查，整改到位，同意销号。"
                h.updated_at = h.verified_at
            if rng.random() < 0.003:
                h.deleted_at = h.created_at + datetime.timedelta(days=1)
                h.deleted_by = district
                h.delete_reason = "重复录入"
            hazards.append(h)
            plans.append((extended, rng.random() < 0.12 and status != HazardStatus.PENDING))
        self._bulk(Hazard, hazards, "hazards")
        for h in hazards:
            h._history_date = h.created_at
            h._history_user = h.created_by
        self.history(Hazard, hazards, "hazard history rows")
        self.timeline(hazards, plans)

    def timeline(self, hazards, plans):
        rng, today = self.rng, self.as_of
        Action = HazardEvent.Action
        hazard_type = ContentType.objects.get_for_model(Hazard)
        referral_type = ContentType.objects.get_for_model(Referral)
        image = png_bytes()
        stored = "evidence/bench/sample.png"
        if not default_storage.exists(stored):
            default_storage.save(stored, ContentFile(image))
        sha = hashlib.sha256(image).hexdigest()
        events, changes, referrals, evidence = [], [], [], []

        def file(owner_type, owner_id, purpose, name, by, when):
            evidence.append(
                Evidence(
                    owner_type=owner_type,
                    owner_id=owner_id,
                    purpose=purpose,
                    file=stored,
                    original_name=name,
                    mime_type="image/png",
                    size=len(image),
                    sha256=sha,
                    uploaded_by=by,
                    created_at=when,
                    updated_at=when,
                )
            )

        def event(h, action, when, by, src="", dst="", note=""):
            events.append(
                HazardEvent(
                    hazard_id=h.pk, action=action, from_status=src, to_status=dst, note=note, by=by, at=when
                )
            )

        S = HazardStatus
        for h, (extended, returned) in zip(hazards, plans, strict=True):
            by = h.created_by
            t = h.created_at
            event(h, Action.CREATE, t, by, "", S.PENDING)
            if rng.random() < 0.3:
                file(hazard_type, h.pk, EvidencePurpose.BEFORE, "整改前.png", by, t)
                event(h, Action.EVIDENCE, t, by, note="整改前：整改前.png")
            step = datetime.timedelta(hours=rng.randrange(20, 200))
            if extended:
                when = min(t + step, at(today, rng))
                changes.append(
                    DeadlineChange(
                        hazard_id=h.pk,
                        old_deadline=h.original_deadline,
                        new_deadline=h.deadline,
                        reason="整改工程量大，申请延期",
                        changed_by=by,
                        changed_at=when,
                    )
                )
                event(
                    h,
                    Action.EXTEND,
                    when,
                    by,
                    note=f"{h.original_deadline} → {h.deadline}：整改工程量大，申请延期",
                )
            department = DEPARTMENT_FOR.get(h.category)
            if department and rng.random() < 0.25:
                referred = h.found_on + datetime.timedelta(days=rng.randrange(0, 5))
                referred = min(referred, today)
                replied = referred + datetime.timedelta(days=rng.randrange(3, 30))
                answered = replied <= today and rng.random() < 0.7
                replier = (
                    self.department_user[department]
                    if h.region.parent_id and h.region.parent.code == CITY
                    else None
                )
                referrals.append(
                    Referral(
                        hazard_id=h.pk,
                        department=department,
                        referred_on=referred,
                        note="请依职责督促整改。",
                        referred_by=by,
                        reply="已现场检查并责令整改。" if answered and replier else "",
                        replied_on=replied if answered and replier else None,
                        replied_by=replier if answered else None,
                        created_at=at(referred, rng),
                        updated_at=at(referred, rng),
                    )
                )
            if h.status == S.PENDING:
                continue
            started = t + step
            event(h, Action.START, started, by, S.PENDING, S.IN_PROGRESS)
            if h.status == S.IN_PROGRESS:
                continue
            submitted = started + step
            file(hazard_type, h.pk, EvidencePurpose.AFTER, "整改后.png", by, submitted)
            event(h, Action.EVIDENCE, submitted, by, note="整改后：整改后.png")
            event(h, Action.SUBMIT, submitted, by, S.IN_PROGRESS, S.AWAITING_VERIFICATION)
            if returned:
                event(
                    h,
                    Action.RETURN,
                    submitted + step,
                    by,
                    S.AWAITING_VERIFICATION,
                    S.IN_PROGRESS,
                    "整改不彻底，请补充整改。",
                )
                file(hazard_type, h.pk, EvidencePurpose.AFTER, "再次整改后.png", by, submitted + 2 * step)
                event(h, Action.SUBMIT, submitted + 2 * step, by, S.IN_PROGRESS, S.AWAITING_VERIFICATION)
            if h.status == S.CLOSED:
                event(
                    h,
                    Action.CLOSE,
                    h.verified_at,
                    by,
                    S.AWAITING_VERIFICATION,
                    S.CLOSED,
                    h.verification_opinion,
                )
        self._bulk(DeadlineChange, changes, "deadline changes")
        self._bulk(Referral, referrals, "referrals")
        for r in referrals:
            when = datetime.datetime.combine(r.referred_on, datetime.time(9), tzinfo=TZ)
            file(referral_type, r.pk, EvidencePurpose.NOTICE, "书面告知书.png", r.referred_by, when)
            events.append(
                HazardEvent(
                    hazard_id=r.hazard_id,
                    action=Action.REFER,
                    note=r.get_department_display(),
                    by=r.referred_by,
                    at=when,
                )
            )
            if r.replied_on:
                reply_at = datetime.datetime.combine(r.replied_on, datetime.time(10), tzinfo=TZ)
                events.append(
                    HazardEvent(
                        hazard_id=r.hazard_id,
                        action=Action.REPLY,
                        note=r.reply,
                        by=r.replied_by,
                        at=reply_at,
                    )
                )
        self._bulk(HazardEvent, events, "hazard events")
        self._bulk(Evidence, evidence, "evidence rows")

    # Answers to the 30 items -----------------------------------------------------------------

    def answers(self):
        """Anshan's units answer the 2020 campaign's items (the campaign covers Anshan only):
        about two thirds of the cells answered, in every status."""
        rng = self.rng
        campaign: Campaign = self.campaign
        items = list(InspectionItem.objects.filter(campaign=campaign))
        city = Region.objects.get(code=CITY)
        units = [u for u in self.units if u.parent_id == city.pk]
        cells = [(u, i) for u in units for i in items if i.answered_by_county]
        cells += [(city, i) for i in items if i.answered_by_city]
        Status = ItemAnswer.Status
        answers, plans = [], []
        for region, item in cells:
            if rng.random() < 0.35:
                continue
            status = rng.choices(list(Status), [2, 4, 1, 3])[0]
            by = self.city_user if region == city else self.district_user[region.pk]
            day = day_between(rng, datetime.date(2020, 9, 1), datetime.date(2020, 10, 31))
            answer = ItemAnswer(
                item=item,
                region=region,
                status=status,
                narrative=f"{region.name}已按要求落实第{item.number}项工作。",
                created_at=at(day, rng),
                updated_at=at(day, rng),
            )
            if status != Status.DRAFT:
                answer.submitted_by, answer.submitted_at = by, at(day, rng)
            if status in (Status.RETURNED, Status.ACCEPTED):
                reviewer = (
                    self.users_by_name["bench-city"]
                    if region != city
                    else self.users_by_name["bench-province"]
                )
                answer.reviewed_by, answer.reviewed_at = (
                    reviewer,
                    answer.submitted_at + datetime.timedelta(days=2),
                )
                if status == Status.RETURNED:
                    answer.return_reason = "请补充证明材料。"
            answers.append(answer)
            plans.append(by)
        self._bulk(ItemAnswer, answers, "answers to the 30 items")
        events = []
        Action = AnswerEvent.Action
        for answer, by in zip(answers, plans, strict=True):
            events.append(AnswerEvent(answer=answer, action=Action.SAVE, by=by, at=answer.created_at))
            if answer.submitted_at:
                events.append(AnswerEvent(answer=answer, action=Action.SUBMIT, by=by, at=answer.submitted_at))
            if answer.reviewed_at:
                action = Action.ACCEPT if answer.status == ItemAnswer.Status.ACCEPTED else Action.RETURN
                events.append(
                    AnswerEvent(
                        answer=answer,
                        action=action,
                        note=answer.return_reason,
                        by=answer.reviewed_by,
                        at=answer.reviewed_at,
                    )
                )
        self._bulk(AnswerEvent, events, "answer events")
