"""The county-level units' written summary report (专项行动总结报告, 工作要求(五)): who writes,
submits, accepts, returns and reopens; the four sections; on time or late by the 20 October
milestone; the city's list of units."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.concurrency import ConcurrentEditError
from core.models import Region
from reports import services
from reports.models import SummaryReport, SummaryReportEvent
from tests.submissions import with_token

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
SECTIONS = {
    "achievements": "2017年以来全区养老机构专项整治共排查隐患126处，已全部整改。",
    "problems": "部分民办机构消防设施老化，专业护理人员不足。",
    "suggestions": "建议市级统筹消防改造资金。",
    "long_term_plan": "建立季度排查、年度评估的长效机制。",
}


def fill(world, who="district", submit=True, **changes):
    user = world.users[who]
    report = services.report_for(campaign=world.campaign, by=user)
    return services.report_save(
        report=report,
        sections={**SECTIONS, **changes},
        by=user,
        expected_version=report.version,
        submit=submit,
    )


def page(client, user, name, **kwargs):
    client.force_login(user)
    return client.get(reverse(f"reports:{name}", kwargs=kwargs or None))


# Services: who writes ---------------------------------------------------------------------------


def test_a_district_writes_its_own_units_report_only(world):
    report = services.report_for(campaign=world.campaign, by=world.users["district"])
    assert (report.region, report.status, report.version) == (world.regions["210302"], "draft", 1)
    assert report.pk is None and not SummaryReport.objects.exists()  # nothing written until saved
    saved = fill(world, submit=False)
    assert services.report_for(campaign=world.campaign, by=world.users["district"]) == saved  # one per unit
    for viewer in ("city", "institution", "department", "admin"):
        with pytest.raises(PermissionDenied):
            services.report_for(campaign=world.campaign, by=world.users[viewer])
    with pytest.raises(PermissionDenied):  # another city's campaign is out of sight
        services.report_for(campaign=world.foreign_campaign, by=world.users["district"])
    other = services.report_for(campaign=world.campaign, by=world.users["other_district"])
    for intruder in ("district", "city"):  # another district, and the city, never write it
        with pytest.raises(PermissionDenied):
            services.report_save(
                report=other, sections=SECTIONS, by=world.users[intruder], expected_version=1, submit=True
            )
    assert not SummaryReport.objects.filter(region=world.regions["210303"]).exists()


def test_a_draft_may_be_partial_but_submitting_needs_all_four_sections(world):
    district = world.users["district"]
    report = fill(world, submit=False, problems="", long_term_plan="   ")
    assert (report.status, report.version, report.problems) == ("draft", 2, "")
    with pytest.raises(ValidationError) as raised:
        services.report_save(
            report=report,
            sections={**SECTIONS, "problems": "", "long_term_plan": " "},
            by=district,
            expected_version=report.version,
            submit=True,
        )
    errors = raised.value.error_dict
    assert set(errors) == {"problems", "long_term_plan"}
    assert {error.code for messages in errors.values() for error in messages} == {"required"}
    report.refresh_from_db()
    assert report.status == "draft"
    report = fill(world)
    assert (report.status, report.submitted_by, report.problems) == (
        "submitted",
        district,
        SECTIONS["problems"],
    )
    assert report.first_submitted_at == report.submitted_at


def test_the_section_messages_name_the_section_in_the_ui_language(world):
    from django.utils import translation

    report = services.report_for(campaign=world.campaign, by=world.users["district"])
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as raised:
            services.report_save(
                report=report, sections={}, by=world.users["district"], expected_version=1, submit=True
            )
        messages = raised.value.message_dict
        labels = {name: services.section_label(name) for name in SummaryReport.SECTIONS}
    assert set(messages) == set(SummaryReport.SECTIONS)
    for name, label in labels.items():
        assert label in messages[name][0]


def test_a_second_save_on_the_same_version_is_refused(world):
    district = world.users["district"]
    report = services.report_for(campaign=world.campaign, by=district)
    report = services.report_save(report=report, sections={"problems": "甲"}, by=district, expected_version=1)
    stale = SummaryReport.objects.get(pk=report.pk)
    with pytest.raises(ConcurrentEditError):
        services.report_save(report=stale, sections={"problems": "乙"}, by=district, expected_version=1)
    assert SummaryReport.objects.get(pk=report.pk).problems == "甲"


def test_return_resubmit_accept_lock_and_reopen(world):
    city, district = world.users["city"], world.users["district"]
    report = fill(world)
    with pytest.raises(ValidationError) as raised:  # a district never reviews
        services.report_accept(report=report, by=district)
    assert raised.value.code == "forbidden"
    with pytest.raises(PermissionDenied):  # another district does not even see it
        services.report_return(report=report, by=world.users["other_district"], reason="越权")
    with pytest.raises(ValidationError) as raised:  # submitted: locked for the unit
        services.report_save(report=report, sections=SECTIONS, by=district, expected_version=report.version)
    assert raised.value.code == "locked"
    with pytest.raises(ValidationError) as raised:
        services.report_return(report=report, by=city, reason="  ")
    assert "reason" in raised.value.error_dict
    report = services.report_return(report=report, by=city, reason="请补充2019年消防整改情况")
    assert (report.status, report.return_reason, report.reviewed_by) == (
        "returned",
        "请补充2019年消防整改情况",
        city,
    )
    with pytest.raises(ValidationError):  # only a submitted report is reviewed
        services.report_accept(report=report, by=city)

    report = fill(world, achievements=SECTIONS["achievements"] + "2019年完成消防整改12处。")
    assert report.status == "submitted"
    report = services.report_accept(report=report, by=city)
    assert (report.status, report.return_reason) == ("accepted", "")
    with pytest.raises(ValidationError) as raised:  # accepted: locked
        services.report_save(report=report, sections=SECTIONS, by=district, expected_version=report.version)
    assert raised.value.code == "locked"

    with pytest.raises(ValidationError):  # only the city reopens
        services.report_reopen(report=report, by=district, reason="想修改")
    with pytest.raises(ValidationError) as raised:
        services.report_reopen(report=report, by=city, reason="")
    assert "reason" in raised.value.error_dict
    report = services.report_reopen(report=report, by=city, reason="省厅要求补充长效机制内容")
    assert (report.status, report.return_reason) == ("returned", "省厅要求补充长效机制内容")
    with pytest.raises(ValidationError):  # reopening is for accepted reports only
        services.report_reopen(report=report, by=city, reason="再次")
    report = fill(world)
    assert report.status == "submitted"
    actions = list(SummaryReportEvent.objects.filter(report=report).values_list("action", flat=True))
    assert actions == ["submit", "return", "submit", "accept", "reopen", "submit"]
    assert list(SummaryReportEvent.objects.visible_to(world.users["other_district"])) == []


# Deadline: 20 October 2020, inclusive, in Shanghai ------------------------------------------------


def test_the_deadline_is_the_campaigns_summary_milestone(world):
    milestone = services.deadline(world.campaign)
    assert (milestone.due_on, milestone.level) == (datetime.date(2020, 10, 20), "county")
    assert "总结报告" in milestone.title
    assert services.deadline(world.foreign_campaign) is None


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime.datetime(2020, 10, 19, 9, 0, tzinfo=SHANGHAI), "on_time"),
        (datetime.datetime(2020, 10, 20, 23, 59, 59, tzinfo=SHANGHAI), "on_time"),  # the day itself
        (datetime.datetime(2020, 10, 21, 0, 0, tzinfo=SHANGHAI), "late"),
        (datetime.datetime(2020, 10, 20, 15, 59, tzinfo=datetime.UTC), "on_time"),  # 23:59 in Shanghai
        (datetime.datetime(2020, 10, 20, 16, 30, tzinfo=datetime.UTC), "late"),  # still the 20th in UTC
    ],
)
def test_on_time_is_judged_by_the_local_date_of_submission(world, moment, expected):
    with time_machine.travel(moment, tick=False):
        report = fill(world)
    due = services.deadline(world.campaign).due_on
    assert services.timeliness(report, due) == expected


def test_the_judgement_follows_the_milestone_not_a_fixed_date(world):
    with time_machine.travel(datetime.datetime(2020, 10, 23, 10, 0, tzinfo=SHANGHAI), tick=False):
        report = fill(world)
    assert services.timeliness(report, services.deadline(world.campaign).due_on) == "late"
    world.campaign.milestones.filter(key=services.MILESTONE_KEY).update(due_on=datetime.date(2020, 10, 23))
    assert services.timeliness(report, services.deadline(world.campaign).due_on) == "on_time"


def test_a_report_sent_on_time_and_returned_stays_on_time(world):
    city = world.users["city"]
    with time_machine.travel(datetime.datetime(2020, 10, 19, 10, 0, tzinfo=SHANGHAI), tick=False):
        report = fill(world)
        report = services.report_return(report=report, by=city, reason="请补充数据")
    with time_machine.travel(datetime.datetime(2020, 10, 26, 10, 0, tzinfo=SHANGHAI), tick=False):
        report = fill(world)
    assert report.submitted_at.astimezone(SHANGHAI).date() == datetime.date(2020, 10, 26)
    assert services.submitted_on(report) == datetime.date(2020, 10, 19)
    assert services.timeliness(report, datetime.date(2020, 10, 20)) == "on_time"


def test_not_submitted_is_pending_then_overdue(world):
    report = services.report_for(campaign=world.campaign, by=world.users["district"])
    due = datetime.date(2020, 10, 20)
    assert services.timeliness(report, due, on=datetime.date(2020, 10, 20)) == "pending"
    assert services.timeliness(report, due, on=datetime.date(2020, 10, 21)) == "overdue"
    assert services.timeliness(None, due, on=datetime.date(2020, 10, 21)) == "overdue"
    assert services.timeliness(report, None) is None


# Pages ------------------------------------------------------------------------------------------


def test_the_district_page_shows_the_form_and_the_days_left(client, world):
    with time_machine.travel(datetime.datetime(2020, 10, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        response = page(client, world.users["district"], "summary")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="summary-form"' in body
    for name in SummaryReport.SECTIONS:
        assert f'name="{name}"' in body
    deadline = response.context["deadline"]
    assert (deadline.due_on, deadline.days_left, deadline.working_days_left) == (
        datetime.date(2020, 10, 20),
        10,
        7,  # 12–16 and 19–20 October 2020
    )
    assert response.context["timeliness"] == "pending"
    assert "铁东区" in body and "铁西区" not in body


def test_the_district_saves_submits_and_then_reads_a_locked_report(client, world):
    district = world.users["district"]
    client.force_login(district)
    url = reverse("reports:summary")
    client.get(url)
    response = client.post(
        url, with_token(client, {**SECTIONS, "problems": "", "expected_version": 1, "submit": "1"})
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["problems"]
    assert SECTIONS["achievements"] in response.content.decode()  # the input is kept
    response = client.post(
        url, with_token(client, {**SECTIONS, "problems": "", "expected_version": 1, "save": "1"})
    )
    assert response.status_code == 302
    report = SummaryReport.objects.get(region=world.regions["210302"])
    assert (report.status, report.version) == ("draft", 2)
    response = client.post(url, with_token(client, {**SECTIONS, "expected_version": 2, "submit": "1"}))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted"
    response = client.get(url)
    assert 'data-testid="summary-form"' not in response.content.decode()
    assert 'data-testid="submitted"' in response.content.decode()
    response = client.post(
        url, with_token(client, {**SECTIONS, "achievements": "改", "expected_version": 3, "save": "1"})
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.achievements == SECTIONS["achievements"]


def test_a_concurrent_edit_is_refused_and_the_input_kept(client, world):
    district = world.users["district"]
    client.force_login(district)
    url = reverse("reports:summary")
    client.get(url)  # opens the page on the unsaved draft (version 1)
    assert not SummaryReport.objects.exists()
    # A colleague saves first: that save creates the report (version 2).
    report = services.report_save(
        report=services.report_for(campaign=world.campaign, by=district),
        sections={"problems": "同事先保存的内容"},
        by=district,
        expected_version=1,
    )
    response = client.post(url, with_token(client, {**SECTIONS, "expected_version": 1, "save": "1"}))
    assert response.status_code == 400
    assert response.context["conflict"] is True
    body = response.content.decode()
    assert SECTIONS["problems"] in body and "同事先保存的内容" in body
    assert SummaryReport.objects.get(pk=report.pk).problems == "同事先保存的内容"
    assert response.context["form"]["expected_version"].value() == 2  # saving again is deliberate


def test_who_reaches_which_page(client, world):
    own = fill(world)
    other = fill(world, who="other_district")
    assert page(client, world.users["district"], "summary").status_code == 200
    for viewer in ("city", "institution", "department", "admin"):
        assert page(client, world.users[viewer], "summary").status_code == 403
    for viewer in ("district", "institution", "department"):
        assert page(client, world.users[viewer], "summary_list").status_code == 403
        assert page(client, world.users[viewer], "summary_detail", pk=own.pk).status_code == 403
    assert page(client, world.users["city"], "summary_detail", pk=other.pk).status_code == 200
    foreign = SummaryReport.objects.create(
        campaign=world.foreign_campaign, region=world.foreign_region, status="submitted"
    )
    assert page(client, world.users["city"], "summary_detail", pk=foreign.pk).status_code == 404
    client.force_login(world.users["city"])
    for action in ("accept", "return", "reopen"):
        response = client.post(
            reverse(f"reports:summary_{action}", kwargs={"pk": foreign.pk}), with_token(client, {})
        )
        assert response.status_code == 404
    client.force_login(world.users["district"])
    response = client.post(reverse("reports:summary_accept", kwargs={"pk": own.pk}), with_token(client))
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.status == "submitted"


def test_the_city_reviews_returns_accepts_and_reopens_on_the_pages(client, world):
    report = fill(world)
    city = world.users["city"]
    client.force_login(city)
    detail = reverse("reports:summary_detail", kwargs={"pk": report.pk})
    response = client.get(detail)
    body = response.content.decode()
    assert SECTIONS["long_term_plan"] in body and 'data-testid="return-form"' in body
    response = client.post(
        reverse("reports:summary_return", kwargs={"pk": report.pk}), with_token(client, {"return-reason": ""})
    )
    assert response.status_code == 400
    assert "reason" in response.context["return_form"].errors
    response = client.post(
        reverse("reports:summary_return", kwargs={"pk": report.pk}),
        with_token(client, {"return-reason": "请补充问题清单"}),
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.return_reason) == ("returned", "请补充问题清单")

    client.force_login(world.users["district"])
    body = client.get(reverse("reports:summary")).content.decode()
    assert 'data-testid="returned"' in body and "请补充问题清单" in body
    report = fill(world)

    client.force_login(city)
    response = client.post(reverse("reports:summary_accept", kwargs={"pk": report.pk}), with_token(client))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "accepted"
    assert 'data-testid="reopen-form"' in client.get(detail).content.decode()
    response = client.post(
        reverse("reports:summary_accept", kwargs={"pk": report.pk}), with_token(client)
    )  # twice: refused
    assert response.status_code == 302 and response["Location"] == detail
    response = client.post(
        reverse("reports:summary_reopen", kwargs={"pk": report.pk}), with_token(client, {"reopen-reason": ""})
    )
    assert response.status_code == 400
    response = client.post(
        reverse("reports:summary_reopen", kwargs={"pk": report.pk}),
        with_token(client, {"reopen-reason": "需补充2020年数据"}),
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.return_reason) == ("returned", "需补充2020年数据")


def test_the_city_list_shows_every_unit_with_status_and_timeliness(client, world):
    with time_machine.travel(datetime.datetime(2020, 10, 20, 20, 0, tzinfo=SHANGHAI), tick=False):
        fill(world)
    with time_machine.travel(datetime.datetime(2020, 10, 22, 9, 0, tzinfo=SHANGHAI), tick=False):
        fill(world, who="other_district")
    SummaryReport.objects.create(
        campaign=world.foreign_campaign, region=world.foreign_region, status="submitted"
    )
    response = page(client, world.users["city"], "summary_list")
    assert response.status_code == 200
    rows = {row.region.code: row for row in response.context["rows"]}
    assert set(rows) == set(
        Region.objects.county_level().filter(path__startswith="210000/210300/").values_list("code", flat=True)
    )
    assert (rows["210302"].timeliness, rows["210302"].submitted_on) == (
        "on_time",
        datetime.date(2020, 10, 20),
    )
    assert (rows["210303"].timeliness, rows["210303"].submitted_on) == ("late", datetime.date(2020, 10, 22))
    assert rows["210304"].report is None and rows["210304"].timeliness == "overdue"
    assert response.context["counts"] == {
        "units": len(rows),
        "submitted": 2,
        "accepted": 0,
        "late": len(rows) - 1,
    }
    body = response.content.decode()
    assert "中山区" not in body and "大连市" not in body


def _reports_for(world, count):
    regions = list(Region.objects.county_level().filter(path__startswith="210000/210300/").order_by("code"))
    assert len(regions) >= count
    SummaryReport.objects.filter(campaign=world.campaign).delete()
    for region in regions[:count]:
        SummaryReport.objects.create(
            campaign=world.campaign, region=region, status="submitted", submitted_by=world.users["district"]
        )


def test_the_city_list_runs_a_constant_number_of_queries(client, world):
    client.force_login(world.users["city"])
    url = reverse("reports:summary_list")
    client.get(url)  # warm the session and the caches
    counts = []
    for count in (2, 10):
        _reports_for(world, count)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        counts.append(len(context))
    assert counts[0] == counts[1], counts
