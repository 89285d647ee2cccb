"""One function per item the portal can answer, each quoting the item (see the package docstring)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from campaign.indicators import supervision
from campaign.indicators.data import Data, data_for
from campaign.indicators.figures import (
    AS_RECORDED,
    DATE,
    NO_DEADLINE,
    Figure,
    Indicator,
    all_of,
    amount,
    at_least,
    count,
    done_by,
    ratio,
)
from campaign.models import Campaign
from core.models import Region
from disclosure.models import Publication
from institutions.models import EXTENSION_SERVICES
from trainings.models import Kind as TrainingKind


def item_3(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 3: “组织对辖区所有养老机构风险隐患排查、建立风险隐患整治工作台账、风险隐患整治工作情况。”

    Read from the hazard ledger (live hazards, deleted ones left out), as it stood on the measuring
    date, the item's milestone (hazards-rectified: 2020-12-31, “到 2020 年底，养老机构排查出的安全
    风险隐患整改到位”):

    - found: hazards with found_on ≤ the measuring date (the ledger is cumulative: hazards found
      before the campaign year still count);
    - rectified: numerator = those closed (已销号) with closed_on ≤ the measuring date;
      denominator = found;
    - overdue: found, current deadline before the measuring date (the deadline day is in time),
      and not closed by the measuring date.

    Met when every hazard found is rectified (100%); not applicable when none was found. With no
    milestone the ledger is read as it stands today.
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(3)
    ledger = data.hazard_totals(region)
    found, rectified = ledger["found_by"], ledger["rectified_by"]
    return Indicator(
        item=3,
        figures=[
            count("found", _("Hazards found"), found),
            ratio("rectified", _("Hazards rectified and closed"), rectified, found),
            count("overdue", _("Hazards overdue"), ledger["overdue_by"]),
        ],
        met=all_of(rectified, found),
        measured_on=due_on,
        note="" if due_on else NO_DEADLINE,
        due_on=due_on,
        milestone=milestone,
    )


def item_4(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 4: “落实《养老机构服务安全基本规范》强制性国家标准，60%以上的养老机构提前符合强制性国家标准情况。”

    Numerator: operating institutions marked as meeting GB 38600-2019 overall (gb38600_compliant).
    Denominator: all operating institutions of the region.
    Target: “60%以上” means at least 60 %: numerator × 100 ≥ 60 × denominator, exactly.
    Measured on the record as it stands (the registry keeps no date of compliance); the deadline
    shown is the item's milestone (safety-standard-60-percent: 2020-12-31).
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(4)
    totals = data.institutions_in(region)
    compliant, every = totals["gb38600_compliant"], totals["all"]
    return Indicator(
        item=4,
        figures=[ratio("compliant", _("Institutions meeting GB 38600-2019"), compliant, every)],
        met=at_least(compliant, every, 60),
        measured_on=None,
        note=AS_RECORDED,
        due_on=due_on,
        milestone=milestone,
    )


def item_5(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 5: “推动《养老机构服务质量基本规范》落实，符合基本规范的养老机构数量及合格率情况。”

    Numerator (the number): operating institutions meeting the service-quality norm
    (quality_norm_compliant). Denominator (for the pass rate): all operating institutions.
    No target and no milestone: `met` is None. Measured on the record as it stands.
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(5)
    totals = data.institutions_in(region)
    return Indicator(
        item=5,
        figures=[
            ratio(
                "compliant",
                _("Institutions meeting the service-quality norm"),
                totals["quality_norm_compliant"],
                totals["all"],
            )
        ],
        met=None,
        measured_on=None,
        note=AS_RECORDED,
        due_on=due_on,
        milestone=milestone,
    )


def _published_on_time(number: int, kind: str, region: Region, data: Data) -> tuple:
    """Figures of a publication item (7 or 8) for `region`: per county-level unit in it, the local
    date of its first publication of `kind`, judged against the item's milestone."""
    due_on, milestone = data.due(number)
    units = data.units_in(region)
    on_time = sum(1 for unit in units if done_by(data.first_published.get((unit["pk"], kind)), due_on))
    figures = [ratio("units_on_time", _("County-level units that published on time"), on_time, len(units))]
    if region.is_county_level:
        figures.append(
            Figure(
                "first_published_on",
                _("First published on"),
                data.first_published.get((region.pk, kind)),
                DATE,
            )
        )
    met = all_of(on_time, len(units)) if due_on else None
    return figures, met, due_on, milestone


def item_7(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 7: “10月15日前，县（市）区、开发区民政部门在有关网站上公开经过登记、备案的机构名单情况。”

    Judged by the public pages' publication dates (`Publication.published_at`, taken as its local
    Asia/Shanghai calendar date): a unit has done it when its first publication of the list of
    registered or filed institutions falls on or before the item's milestone
    (publish-institution-lists: 2020-10-15), inclusive.
    Numerator: county-level units in the region that published on time. Denominator: county-level
    units in the region (1 for a county-level region, which also shows its first publication date;
    all units under it for the city, which publishes no institution list of its own).
    Met when every unit published on time. Also shown: the registered or filed operating institutions
    the registry holds now (what the list would contain).
    """
    data = data_for(campaign, region, data)
    figures, met, due_on, milestone = _published_on_time(7, Publication.Kind.FILED, region, data)
    listed = data.institutions_in(region)["listed_filed"]
    figures.append(count("in_registry", _("Registered or filed institutions in the registry"), listed))
    return Indicator(
        item=7,
        figures=figures,
        met=met,
        measured_on=due_on,
        note="" if due_on else NO_DEADLINE,
        due_on=due_on,
        milestone=milestone,
    )


def item_8(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 8: “10月15日前，县（市）区、开发区民政部门在有关网站上公开已掌握未经登记、备案机构名单情况，将名单抄送有关部门依法依规处理情况。”

    As item 7, for the list of known unregistered or unfiled institutions: numerator = county-level
    units whose first publication of that list is on or before the milestone
    (publish-institution-lists: 2020-10-15), denominator = county-level units in the region. A unit
    that knows of no such institution still publishes the (empty) list. Also shown: the operating
    institutions the registry holds now as unregistered or unfiled. Copying the list to the
    competent departments is not recorded: the district adds it (see the note).
    """
    data = data_for(campaign, region, data)
    figures, met, due_on, milestone = _published_on_time(8, Publication.Kind.UNFILED, region, data)
    listed = data.institutions_in(region)["listed_unfiled"]
    figures.append(
        count("in_registry", _("Known unregistered or unfiled institutions in the registry"), listed)
    )
    return Indicator(
        item=8,
        figures=figures,
        met=met,
        measured_on=due_on,
        note=_("The district adds how the list was copied to the competent departments."),
        due_on=due_on,
        milestone=milestone,
    )


def item_13(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 13: “11月底前，本地区农村特困人员供养服务设施（敬老院）法人登记情况。”

    Denominator: rural special-hardship support facilities among the operating institutions
    (converted to mutual-aid facilities, suspended or deregistered: out).
    Numerator: those registered as an independent legal person (on the record as it stands: the
    registry keeps no registration date), and "1+N" branches whose head's code was entered in the
    national system (legal_code_entered_on) on or before the milestone
    rural-facility-legal-registration (2020-11-30): the notice deems that entry the branch's
    registration. A branch entered late, or with no date of entry recorded, is not registered by
    the deadline. Target: all of them (100 %). With no milestone every recorded date counts.
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(13)
    # Rural special-hardship facilities (敬老院) among the operating institutions; registered: an
    # independent legal person as recorded (no registration date is kept), or a "1+N" branch whose
    # head's code was entered in the national system on or before the deadline — the notice deems
    # that entry its registration (“在全国养老服务信息管理系统中录入总院的法人代码，视同完成法人登记”).
    totals = data.institutions_in(region)
    facilities, registered = totals["rural"], totals["rural_registered_by"]
    return Indicator(
        item=13,
        figures=[
            ratio(
                "registered",
                _("Operating rural special-hardship facilities registered as legal persons"),
                registered,
                facilities,
            )
        ],
        met=all_of(registered, facilities),
        measured_on=due_on,
        note=_(
            'Independent legal persons are counted on the record as it stands; a "1+N" branch '
            "counts from the date its head's code was entered in the national system."
        ),
        due_on=due_on,
        milestone=milestone,
    )


def item_14(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 14: “11月底前，农村特困人员供养服务设施（敬老院）法人登记后全国养老服务信息管理系统法人代码录入情况。”

    Denominator: the rural special-hardship facilities of item 13 registered as legal persons
    (independent or "1+N" branch, as recorded): the code is entered after registration (“法人登记
    后”), so facilities not yet registered are item 13's gap, not this one's.
    Numerator: those whose legal code was entered in the national system on or before the
    milestone rural-facility-legal-registration (2020-11-30), judged by legal_code_entered_on
    (inclusive). Also shown: those entered after the deadline, and those marked as entered with
    no date recorded (which do not count as on time: the date is what the item is judged by).
    Target: all of them (100 %). With no milestone every recorded date counts.
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(14)
    totals = data.institutions_in(region)
    registered, entered = totals["rural_registered"], totals["code_entered"]
    on_time, undated = totals["code_entered_by"], totals["code_entered_undated"]
    return Indicator(
        item=14,
        figures=[
            ratio(
                "code_entered",
                _("Registered facilities with the legal code entered on time"),
                on_time,
                registered,
            ),
            count("entered_late", _("Entered after the deadline"), entered - on_time - undated),
            count("entered_undated", _("Marked as entered, date not recorded"), undated),
        ],
        met=all_of(on_time, registered),
        measured_on=due_on,
        note=_(
            "Judged by the date the legal code was entered in the national system; an entry "
            "without a recorded date does not count as on time."
        ),
        due_on=due_on,
        milestone=milestone,
    )


def item_16(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 16: “县（市）区、开发区民办养老机构消防安全达标提升机构数量、政府补助资金投入数量、民办养老机构资金投入数量、达标合格民办机构占民办机构比例情况。”

    Privately run operating institutions only (nature = private):
    - upgrading: private institutions whose fire-safety upgrade is under way;
    - government funds and own funds: sums of the amounts recorded (10,000 yuan), "—" when none
      is recorded;
    - compliant share: numerator = private institutions meeting the fire-safety standard,
      denominator = all private operating institutions.
    Target: all of them (100 %) by the milestone private-fire-upgrade-complete (2021-12-31).
    Measured on the record as it stands (the registry keeps no date of the upgrade).
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(16)
    totals = data.institutions_in(region)
    private, compliant = totals["private"], totals["private_compliant"]
    return Indicator(
        item=16,
        figures=[
            count("upgrading", _("Private institutions being upgraded"), totals["private_upgrading"]),
            amount("gov_funds", _("Government funds (10,000 yuan)"), totals["fire_gov_funds"]),
            amount("own_funds", _("Institutions' own funds (10,000 yuan)"), totals["fire_own_funds"]),
            ratio(
                "compliant",
                _("Private institutions meeting the fire-safety standard"),
                compliant,
                private,
            ),
        ],
        met=all_of(compliant, private),
        measured_on=None,
        note=AS_RECORDED,
        due_on=due_on,
        milestone=milestone,
    )


def item_17(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 17: “县（市）区、开发区组织开展养老机构等级评定情况。”

    Numerator: operating institutions with a star rating (GB/T 37276-2018) whose rating date
    star_rated_on is on or before the item's milestone (rating-system-implemented: 2020-12-31).
    Denominator: all operating institutions. The notice sets no share (“普遍推行”): `met` is None.
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(17)
    totals = data.institutions_in(region)
    return Indicator(
        item=17,
        figures=[ratio("rated", _("Institutions rated"), totals["rated_by"], totals["all"])],
        met=None,
        measured_on=due_on,
        note="" if due_on else NO_DEADLINE,
        due_on=due_on,
        milestone=milestone,
    )


def item_19(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 19: “2020年底前，县（市）区、开发区所有养老机构是否能够以不同形式为入住老年人提供医疗服务情况。”

    Numerator: operating institutions providing medical services in some form (own medical
    institution, infirmary or nursing station, or a contract with a medical institution: any
    medical_mode but "none"). Denominator: all operating institutions.
    Target: all of them (100 %). Measured on the record as it stands (no date is kept); the
    deadline shown is the milestone medical-services-all-institutions (2020-12-31).
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(19)
    totals = data.institutions_in(region)
    able, every = totals["medical"], totals["all"]
    return Indicator(
        item=19,
        figures=[ratio("able", _("Institutions able to provide medical services"), able, every)],
        met=all_of(able, every),
        measured_on=None,
        note=AS_RECORDED,
        due_on=due_on,
        milestone=milestone,
    )


def item_20(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 20: “县（市）区、开发区养老机构护理型床位建设发展情况，护理型床位与养老机构总床位的比例情况。10月30日前，全国养老机构业务管理系统“护理型床位”指标填报与监测情况。”

    - nursing-bed share: numerator = nursing-type beds, denominator = total beds, summed over
      operating institutions; measured on the record as it stands;
    - updated on time: numerator = operating institutions whose national-system data was updated
      (national_data_updated_on) on or before the milestone nursing-bed-indicator (2020-10-30),
      denominator = all operating institutions. The registry keeps the latest update of the
      institution's data, not of the nursing-bed field alone, and a later update replaces an
      on-time one: the district confirms the rest.
    The notice sets no bed share: `met` is None.
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(20)
    totals = data.institutions_in(region)
    return Indicator(
        item=20,
        figures=[
            ratio(
                "nursing_share", _("Nursing-type beds among all beds"), totals["nursing_beds"], totals["beds"]
            ),
            ratio(
                "updated",
                _("Institutions with national-system data updated on time"),
                totals["updated_by_20"],
                totals["all"],
            ),
        ],
        met=None,
        measured_on=due_on,
        note=_(
            "The bed share is measured on the record as it stands; the update is judged by the "
            "date of the institution's latest national-system update."
        ),
        due_on=due_on,
        milestone=milestone,
    )


def item_29(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 29: “养老机构做好各类风险安全评估与管控化解情况。”

    Numerator: operating institutions with a recorded risk assessment (risk_assessed_on set; on or
    before the item's milestone if the campaign gives one — the 2020 campaign gives none, so every
    recorded assessment counts). Denominator: all operating institutions. No target: `met` is None.
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(29)
    totals = data.institutions_in(region)
    return Indicator(
        item=29,
        figures=[
            ratio(
                "assessed",
                _("Institutions with a recorded risk assessment"),
                totals["assessed_by"],
                totals["all"],
            )
        ],
        met=None,
        measured_on=due_on,
        note="" if due_on else NO_DEADLINE,
        due_on=due_on,
        milestone=milestone,
    )


def item_30(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 30: “10 月 30 日前，辖区内原有养老机构数据更新、新成立养老机构信息全部输入养老机构信息系统情况。”

    Numerator: operating institutions whose data in the national system was updated or entered
    (national_data_updated_on) on or before the deadline. Denominator: all operating institutions
    (existing and newly established alike). The item has two milestones
    (new-institutions-entered and existing-institutions-data-updated), both 2020-10-30: the
    latest of them is used. Target: all of them (“全部”, 100 %). The registry keeps the latest
    update only: an institution updated on time and again after the deadline reads as late.
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(30)
    totals = data.institutions_in(region)
    updated, every = totals["updated_by_30"], totals["all"]
    return Indicator(
        item=30,
        figures=[
            ratio("updated", _("Institutions with national-system data updated on time"), updated, every)
        ],
        met=all_of(updated, every) if due_on else None,
        measured_on=due_on,
        note="" if due_on else NO_DEADLINE,
        due_on=due_on,
        milestone=milestone,
    )


# Partly computable items: the figures the portal has; the district adds the rest -----------------


def item_11(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 11: “各县（市）区、开发区实施特困人员供养服务设施改造提升工程，开展7个方面改造提升的机构情况；按计划建设1所失能、部分失能特困人员专业照护为主的县级特困人员供养服务设施情况。”

    Partly computable. The portal has: the operating special-hardship support facilities (the
    population the upgrading concerns) and their disabled and semi-disabled residents (whom the
    county-level care facility is for). Measured on the record as it stands. The district adds
    which facilities carried out which of the seven kinds of upgrading and the plan for the
    county-level facility (milestones special-hardship-bottom-line-safety, 2020-12-31, and
    county-disabled-care-facility, 2022-12-31; the latest is shown). No target is judged.
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(11)
    totals = data.institutions_in(region)
    return Indicator(
        item=11,
        figures=[
            count("facilities", _("Special-hardship support facilities"), totals["special"]),
            count(
                "disabled_residents",
                _("Disabled and semi-disabled residents in them"),
                totals["special_disabled"],
            ),
        ],
        note=_(
            "The district adds the facilities that carried out the seven kinds of upgrading and "
            "the plan for the county-level care facility."
        ),
        due_on=due_on,
        milestone=milestone,
    )


def item_12(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 12: “县（市）区、开发区推进生活不能自理并有集中供养需求特困人员应养尽养情况。”

    Partly computable. The portal has: residents of operating special-hardship support facilities,
    and among them the disabled and semi-disabled ones (those unable to care for themselves who
    are already supported centrally). Measured on the record as it stands. The district adds how
    many special-hardship persons unable to care for themselves need central support (the
    denominator the portal does not have). No target is judged.
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(12)
    totals = data.institutions_in(region)
    return Indicator(
        item=12,
        figures=[
            count("residents", _("Residents of special-hardship facilities"), totals["special_residents"]),
            count(
                "disabled_residents",
                _("Disabled and semi-disabled residents in them"),
                totals["special_disabled"],
            ),
        ],
        note=_(
            "The district adds how many special-hardship persons unable to care for themselves "
            "need central support, and how many of them are supported."
        ),
        due_on=due_on,
        milestone=milestone,
    )


def item_18(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 18: “县（市）区、开发区开展延伸服务的养老机构数量及服务开展的总体情况。”

    Partly computable. The portal has: the number of operating institutions offering at least one
    extension service (meal, bathing, cleaning, medical help, recreation), and the number offering
    each. Measured on the record as it stands. The district adds the overall account of the
    services. No target is judged.
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(18)
    totals = data.institutions_in(region)
    return Indicator(
        item=18,
        figures=[
            count("offering", _("Institutions offering extension services"), totals["extension_any"]),
            *(count(name, label, totals[name]) for name, label in EXTENSION_SERVICES),
        ],
        note=_("The district adds the overall account of the services."),
        due_on=due_on,
        milestone=milestone,
    )


def _ledger(number: int, categories: tuple[str, ...], note, region: Region, data: Data) -> Indicator:
    """Hazards of the given ledger categories, as the ledger stands: found, rectified (closed) and
    referred to a competent department in writing."""
    due_on, milestone = data.due(number)
    ledger = data.hazard_totals(region, categories)
    return Indicator(
        item=number,
        figures=[
            count("found", _("Hazards found"), ledger["found"]),
            ratio("rectified", _("Hazards rectified and closed"), ledger["closed"], ledger["found"]),
            count("referred", _("Hazards referred to a department"), ledger["referred"]),
        ],
        note=note,
        due_on=due_on,
        milestone=milestone,
    )


def item_24(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 24: “养老机构消防安全专项整治三年行动方案制定及消防应急演练、避险逃生技能培训等情况。”

    Partly computable. The portal has:

    - the fire-safety hazards of the ledger (category “fire”): found; rectified = closed / found;
      referred to a department (as the ledger stands, no milestone);
    - the fire drills (issue 17, measure 八 “每半年至少开展1次应急演练”): for each half of the
      campaign's year begun by the measuring date, numerator = operating institutions with at
      least one drill (应急演练) of topic 消防 held in that half (up to the measuring date),
      denominator = all operating institutions (as measured) — the same institutions
      `emergencies.services.preparedness(region, half, topic="fire")` counts.

    The district adds the three-year plan and the escape training. No target is judged.
    """
    data = data_for(campaign, region, data)
    note = _("The district adds the three-year campaign plan and the escape training.")
    indicator = _ledger(24, ("fire",), note, region, data)
    every = data.institutions_in(region)["all"]
    drilled = supervision.totals(data, region)
    labels = {
        1: _("Operating institutions with a fire drill, January to June"),
        2: _("Operating institutions with a fire drill, July to December"),
    }
    for half in supervision.campaign_halves(data):
        key = f"fire_drill_h{half.half}"
        indicator.figures.append(ratio(key, labels[half.half], drilled[key], every))
    indicator.measured_on = data.on
    return indicator


def item_25(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 25: “养老机构食品安全教育和日常管理、食堂食品安全主体责任落实情况。”

    Partly computable. The portal has the food-safety hazards of the ledger (category “food”):
    found; rectified = closed / found; referred to a department. Measured on the ledger as it
    stands (no milestone). The district adds food-safety education, daily management and the
    canteens' responsibility.
    """
    note = _(
        "The district adds food-safety education, daily management and how canteens meet their responsibility."
    )
    return _ledger(25, ("food",), note, region, data_for(campaign, region, data))


def item_27(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 27: “民政部门或养老机构密切关注养老服务中的欺老虐老行为，及时提请公安等部门依法查处情况。”

    Partly computable. The portal has:

    - the elder-abuse hazards of the ledger (category “elder_abuse”): found; rectified = closed /
      found; referred to any department in writing; and of them, those notified to the police
      (`Department.POLICE`, “提请公安等部门依法查处”) by the measuring date;
    - the complaints of the 欺老虐老 category received by the measuring date, and those routed to
      the police by then (the complaint's department as it stands, with its routing date).

    Measured as of the dashboard's date (no milestone). The district adds how the police handled
    the cases. No target is judged.
    """
    data = data_for(campaign, region, data)
    note = _("The district adds how the police and other departments handled the cases.")
    indicator = _ledger(27, ("elder_abuse",), note, region, data)
    figures = supervision.totals(data, region)
    indicator.figures += [
        count("referred_police", _("Hazards referred to the police"), figures["abuse_referred_police"]),
        count("complaints", _("Elder-abuse complaints received"), figures["abuse_complaints"]),
        count(
            "complaints_police",
            _("Elder-abuse complaints routed to the police"),
            figures["abuse_complaints_police"],
        ),
    ]
    indicator.measured_on = data.on
    return indicator


def item_28(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 28: “民政部门或养老机构协调配合有关部门积极防范和处置养老机构非法集资、防范化解金融风险情况。”

    Partly computable. The portal has the illegal fund-raising hazards of the ledger (category
    “illegal_fundraising”): found; rectified = closed / found; referred to a department. Measured
    on the ledger as it stands (no milestone). The district adds its prevention work with the
    departments concerned.
    """
    note = _(
        "The district adds how it prevents and handles illegal fund-raising with the departments concerned."
    )
    return _ledger(28, ("illegal_fundraising",), note, region, data_for(campaign, region, data))


# Comprehensive supervision (issue 17): items 22 and 23 from the trainings and 一事一议 records ---------


def item_22(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 22: “市、县（市、区）级民政部门 2020 年组织开展养老服务与管理或养老护理员培训情况。”

    From the training sessions (`trainings.Training`) the region's own civil-affairs department
    organised in the campaign's year (1 January–31 December, held by the measuring date):

    - sessions: of the kinds the item names (养老服务与管理 or 养老护理员), and one count per kind
      (院长 and 社会工作者 are shown but do not answer the item);
    - participants: in all the department's sessions of the year;
    - for a region with county-level units below it (the city): the units whose department
      organised at least one session of the item's kinds, over all its units.

    Met when the region's own department organised at least one session of the item's kinds (the
    city's own sessions for the city; the units' ratio is shown beside it, not judged).
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(22)
    own = supervision.own(data, region)
    sessions = supervision.item_22_sessions(own)
    figures = [
        count(
            "sessions", _("Sessions on elderly-care services and management or for care workers"), sessions
        ),
        *(count(kind.value, kind.label, own[f"training_{kind.value}"]) for kind in TrainingKind),
        count("participants", _("Participants"), own["training_participants"]),
    ]
    if not region.is_county_level:
        units = supervision.units(data, region)
        trained = sum(1 for unit in units if supervision.item_22_sessions(unit) > 0)
        figures.append(
            ratio("units_trained", _("County-level units that organised a session"), trained, len(units))
        )
    year_end = datetime.date(campaign.year, 12, 31)
    return Indicator(
        item=22,
        figures=figures,
        met=sessions > 0,
        measured_on=min(year_end, data.on),
        note=_("Counted from the training sessions recorded on the portal."),
        due_on=due_on,
        milestone=milestone,
    )


def item_23(campaign: Campaign, region: Region, data: Data | None = None) -> Indicator:
    """Item 23: “8 月底前，提请县（市）区级人民政府、开发区管委会一事一议解决一批养老机构消防审验问题情况。”

    From the 一事一议 cases (`fireacceptance.Case`) of institutions in the region's subtree,
    recorded by the measuring date:

    - submitted on time: numerator = cases submitted to the government (submitted_on) on or before
      the item's milestone (fire-review-one-case: 2020-08-31, inclusive; or the measuring date if
      that comes first), denominator = all cases recorded;
    - decided and resolved: cases with a decision / a resolution dated by the measuring date;
    - not yet submitted: cases without a submission by the measuring date.

    Met (a county-level unit) when at least one case was submitted by the deadline (“解决一批”);
    not applicable when the unit recorded no case. For a region above the units (the city): met
    when every unit that recorded cases submitted at least one on time (the units' ratio shown).
    """
    data = data_for(campaign, region, data)
    due_on, milestone = data.due(23)
    totals = supervision.totals(data, region)
    cases, on_time = totals["cases"], totals["cases_submitted_by_due"]
    figures = [
        count("cases", _("Fire-acceptance problems recorded"), cases),
        ratio("submitted_on_time", _("Submitted to the government by the deadline"), on_time, cases),
        count("decided", _("Decided by the government"), totals["cases_decided"]),
        count("resolved", _("Resolved"), totals["cases_resolved"]),
        count("pending", _("Not yet submitted"), cases - totals["cases_submitted"]),
    ]
    if region.is_county_level:
        met = (on_time > 0) if cases else None
    else:
        units = [unit for unit in supervision.units(data, region) if unit["cases"]]
        done = sum(1 for unit in units if unit["cases_submitted_by_due"] > 0)
        figures.append(ratio("units_on_time", _("Units with cases that submitted on time"), done, len(units)))
        met = all_of(done, len(units))
    return Indicator(
        item=23,
        figures=figures,
        met=met,
        measured_on=supervision.item_23_judged_on(data),
        note="" if due_on else NO_DEADLINE,
        due_on=due_on,
        milestone=milestone,
    )
