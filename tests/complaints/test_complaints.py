"""Complaints (投诉举报, issue 17 item 1): the deadline in working days, repeats within 90 days,
routing to the competent department, the complainant's privacy, scoping, the steps with version
checks, one hazard per complaint, and the draws' counts."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import privacy, services
from complaints.models import Complaint
from core import dates
from core.concurrency import ConcurrentEditError
from hazards.models import Hazard
from institutions.models import Institution
from tests.complaints.factories import complaint, raw
from tests.submissions import with_token

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 11, 20)
CONTACT = "13812345678"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: TODAY)


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response, response.content.decode()


def post(client, user, url, data):
    client.force_login(user)
    return client.post(url, with_token(client, data))


def step(client, user, made, name, **data):
    """POST one step's form of the detail page (its fields carry the step's prefix)."""
    url = reverse("complaints:step", args=[made.pk, name])
    return post(client, user, url, {f"{name}-{key}": value for key, value in data.items()})


# The deadline ------------------------------------------------------------------------------------


def test_the_deadline_is_15_working_days_across_national_day(world):
    # Received Friday 26 September 2025: the make-up Sunday 28 September and Saturday 11 October
    # count, 1–8 October do not; the 15th working day is Thursday 23 October.
    made = complaint(world.own_institution, world.users["district"], received_on=datetime.date(2025, 9, 26))
    assert made.deadline == datetime.date(2025, 10, 23)
    assert made.status == Complaint.Status.RECEIVED


def test_an_unknown_year_asks_for_the_holidays_in_chinese_never_calendar_days(client, world, monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: datetime.date(2026, 12, 21))
    data = {
        "channel": "hotline",
        "received_on": "2026-12-20",
        "institution": world.own_institution.pk,
        "category": "service",
        "content": "夜间无人值守",
    }
    response = post(client, world.users["district"], reverse("complaints:create"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "2027年" in body and "请手工填写办理期限" in body
    assert not Complaint.objects.exists()
    # the clerk enters the deadline: recorded
    response = post(
        client, world.users["district"], reverse("complaints:create"), {**data, "deadline": "2027-01-15"}
    )
    assert response.status_code == 302
    assert Complaint.objects.get().deadline == datetime.date(2027, 1, 15)


def test_bad_input_is_refused_in_chinese_naming_the_field(client, world):
    data = {
        "channel": "phone",
        "received_on": "2025-11-21",  # tomorrow
        "institution": world.own_institution.pk,
        "category": "service",
        "content": "x",
        "deadline": "2025-13-01",
    }
    response = post(client, world.users["district"], reverse("complaints:create"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "办理期限" in body  # the bad date names its field
    response = post(client, world.users["district"], reverse("complaints:create"), {**data, "deadline": ""})
    assert "受理日期不能晚于今天" in response.content.decode()
    # another district's institution
    response = post(
        client,
        world.users["district"],
        reverse("complaints:create"),
        {**data, "received_on": "2025-11-20", "institution": world.other_institution.pk},
    )
    assert response.status_code == 400
    assert not Complaint.objects.exists()


# Repeats ------------------------------------------------------------------------------------------


def test_a_repeat_is_within_90_days_and_not_at_91(world):
    admin, home = world.users["admin"], world.own_institution
    day = datetime.date(2025, 10, 1)
    first = raw(home, admin, received_on=day, category="fees")
    at_90 = raw(home, admin, received_on=day + datetime.timedelta(days=90), category="fees")
    at_91 = raw(home, admin, received_on=day + datetime.timedelta(days=91), category="fees")
    other_category = raw(home, admin, received_on=day + datetime.timedelta(days=10), category="food")
    other_home = raw(
        world.other_institution, admin, received_on=day + datetime.timedelta(days=10), category="fees"
    )
    flags = dict(Complaint.objects.with_flags().values_list("pk", "is_repeat"))
    assert flags == {
        first.pk: False,
        at_90.pk: True,
        at_91.pk: True,  # 91 days after `first`, but 1 day after `at_90`
        other_category.pk: False,
        other_home.pk: False,
    }
    assert list(Complaint.objects.earlier_of(at_90)) == [first]
    assert list(Complaint.objects.earlier_of(at_91)) == [at_90]
    at_90.delete()
    assert not Complaint.objects.with_flags().get(pk=at_91.pk).is_repeat
    assert not Complaint.objects.earlier_of(at_91).exists()


def test_the_repeat_badge_links_only_to_earlier_complaints_the_reader_sees(client, world):
    district = world.users["district"]
    first = complaint(
        world.own_institution, district, received_on=datetime.date(2025, 10, 1), category="fees"
    )
    second = complaint(
        world.own_institution, district, received_on=datetime.date(2025, 11, 1), category="fees"
    )
    response, body = page(client, district, reverse("complaints:detail", args=[second.pk]))
    assert 'data-testid="repeat"' in body
    assert reverse("complaints:detail", args=[first.pk]) in body
    _response, listing = page(client, district, reverse("complaints:list"))
    assert listing.count('data-testid="repeat"') == 1
    # routed to the police, the second is read by a police user, who cannot read the first
    services.complaint_route(
        complaint=second, department="police", expected_version=second.version, by=district
    )
    police = world.users["department"]
    police.department = "police"
    police.save()
    response, body = page(client, police, reverse("complaints:detail", args=[second.pk]))
    assert response.status_code == 200
    assert 'data-testid="repeat"' in body
    assert reverse("complaints:detail", args=[first.pk]) not in body


# Routing ------------------------------------------------------------------------------------------


def test_elder_abuse_suggests_the_police_and_routing_hands_it_over(client, world):
    district, department = world.users["district"], world.users["department"]  # 住建 (housing)
    made = complaint(world.own_institution, district, category="abuse")
    response, body = page(client, district, reverse("complaints:detail", args=[made.pk]))
    assert '<option value="police" selected>' in body
    response = step(client, district, made, "route", department="housing", expected_version=made.version)
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.status, made.department, made.routed_on) == ("handling", "housing", TODAY)
    response, body = page(client, department, reverse("complaints:detail", args=[made.pk]))
    assert response.status_code == 200
    # routed on to the police: housing no longer reads it
    response = step(client, district, made, "route", department="police", expected_version=made.version)
    assert response.status_code == 302
    response, _body = page(client, department, reverse("complaints:detail", args=[made.pk]))
    assert response.status_code == 404
    # civil affairs handles it itself: no department reads it
    made.refresh_from_db()
    response = step(client, district, made, "route", department="", expected_version=made.version)
    made.refresh_from_db()
    assert (response.status_code, made.department, made.status) == (302, "", "handling")


def test_the_department_records_the_result_civil_affairs_replies_and_closes(client, world):
    district, department = world.users["district"], world.users["department"]
    made = complaint(world.own_institution, district, category="safety")
    services.complaint_route(complaint=made, department="housing", expected_version=made.version, by=district)
    # closing before the result and the reply is refused, in Chinese
    response = step(client, district, made, "close", expected_version=made.version)
    assert response.status_code == 400
    assert "办结前请先录入办理结果" in response.content.decode()
    response = step(
        client, department, made, "result", result="已责令整改楼梯扶手", expected_version=made.version
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.result == "已责令整改楼梯扶手"
    # the department neither replies nor closes
    reply = {"reply": "x", "replied_on": "2025-11-20", "expected_version": made.version}
    assert step(client, department, made, "reply", **reply).status_code == 403
    assert step(client, department, made, "close", expected_version=made.version).status_code == 403
    response = step(client, district, made, "reply", **{**reply, "replied_on": "2025-11-21"})
    assert response.status_code == 400
    assert "答复日期不能晚于今天" in response.content.decode()
    response = step(client, district, made, "reply", **{**reply, "reply": "", "replied_on": "2025-09-01"})
    assert response.status_code == 400
    assert "该字段是必填项" in response.content.decode()
    # the service's own check of a reply before receipt
    with pytest.raises(ValidationError) as refused:
        services.complaint_reply(
            complaint=made,
            reply="x",
            replied_on=datetime.date(2025, 9, 1),
            expected_version=made.version,
            by=district,
        )
    assert refused.value.message_dict == {"replied_on": ["答复日期不能早于受理日期。"]}
    response = step(client, district, made, "reply", **{**reply, "reply": "已电话告知处理结果"})
    assert response.status_code == 302
    made.refresh_from_db()
    response = step(client, district, made, "close", expected_version=made.version)
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.status, made.closed_on, made.replied_on) == ("closed", TODAY, TODAY)
    # closed: no step is offered any more
    _r, body = page(client, district, reverse("complaints:detail", args=[made.pk]))
    assert 'data-testid="route-form"' not in body and 'data-testid="close-form"' not in body


# The complainant's privacy ------------------------------------------------------------------------


def test_masking():
    assert privacy.mask_contact("13812345678") == "138****5678"
    assert privacy.mask_contact("0412-5551234") == "041****1234"
    assert privacy.mask_contact("55512") == "***12"
    assert privacy.mask_contact("") == ""
    assert privacy.mask_name("张三") == "张*"
    assert privacy.mask_name("欧阳娜娜") == "欧***"


def test_the_contact_in_full_only_on_the_detail_page_of_city_and_district_staff(client, world):
    made = complaint(world.own_institution, world.users["district"], complainant_name="张三丰")
    detail, listing = reverse("complaints:detail", args=[made.pk]), reverse("complaints:list")
    for role in ("district", "city"):
        _response, body = page(client, world.users[role], detail)
        assert CONTACT in body and "张三丰" in body
        _response, body = page(client, world.users[role], listing)
        assert CONTACT not in body and "张三丰" not in body
        assert "138****5678" in body and "张**" in body
    _response, body = page(client, world.users["admin"], detail)
    assert CONTACT not in body and "138****5678" in body


def test_the_contact_never_on_a_department_page(client, world):
    district, department = world.users["district"], world.users["department"]
    made = complaint(world.own_institution, district, complainant_name="张三丰")
    services.complaint_route(complaint=made, department="housing", expected_version=made.version, by=district)
    for url in (reverse("complaints:list"), reverse("complaints:detail", args=[made.pk])):
        response, body = page(client, department, url)
        assert response.status_code == 200
        assert made.content in body or url == reverse("complaints:list")
        for secret in (CONTACT, "138****5678", "5678", "张三丰", "张**"):
            assert secret not in body, (url, secret)


# Scoping ------------------------------------------------------------------------------------------


def test_every_page_is_scoped(client, world):
    district = world.users["district"]
    own = complaint(world.own_institution, district)
    theirs = complaint(world.other_institution, world.users["other_district"])
    foreign = raw(world.foreign_institution, world.users["admin"], received_on=datetime.date(2025, 9, 1))
    _r, body = page(client, district, reverse("complaints:list"))
    assert own.number in body and theirs.number not in body and foreign.number not in body
    _r, body = page(client, world.users["city"], reverse("complaints:list"))
    assert own.number in body and theirs.number in body and foreign.number not in body
    _r, body = page(client, world.users["department"], reverse("complaints:list"))
    assert own.number not in body  # not routed to 住建
    for pk in (theirs.pk, foreign.pk):
        assert page(client, district, reverse("complaints:detail", args=[pk]))[0].status_code == 404
    assert (
        page(client, world.users["department"], reverse("complaints:detail", args=[own.pk]))[0].status_code
        == 404
    )
    # institution users see no complaint, not even about themselves
    for url in (
        reverse("complaints:list"),
        reverse("complaints:detail", args=[own.pk]),
        reverse("complaints:create"),
    ):
        assert page(client, world.users["institution"], url)[0].status_code == 403
    # another district's step is 404, a city user may not raise a hazard (ledger is the district's)
    response = step(client, world.users["other_district"], own, "route", expected_version=1)
    assert response.status_code == 404
    assert (
        post(client, world.users["city"], reverse("complaints:hazard", args=[own.pk]), {}).status_code == 403
    )


def test_the_list_filters(client, world):
    district = world.users["district"]
    fees = complaint(world.own_institution, district, category="fees", received_on=datetime.date(2025, 9, 1))
    food = complaint(
        world.own_institution, district, category="food", received_on=datetime.date(2025, 11, 18)
    )
    theirs = complaint(world.other_institution, world.users["other_district"], category="food")
    city = world.users["city"]
    url = reverse("complaints:list")
    _r, body = page(client, city, url + "?category=fees")
    assert fees.number in body and food.number not in body
    _r, body = page(client, city, url + "?overdue=on")
    assert fees.number in body and food.number not in body
    _r, body = page(client, city, url + f"?region={world.regions['210303'].pk}")
    assert theirs.number in body and fees.number not in body
    _r, body = page(client, district, url)
    assert 'name="region"' not in body  # one region: no region filter
    response, body = page(client, city, url + "?status=nonsense")
    assert response.status_code == 200 and fees.number not in body


# Concurrency and double submission ----------------------------------------------------------------


def test_a_concurrent_edit_is_refused_not_overwritten(client, world):
    district = world.users["district"]
    made = complaint(world.own_institution, district)
    services.complaint_route(complaint=made, department="", expected_version=made.version, by=district)
    opened = 2
    services.complaint_record_result(
        complaint=Complaint.objects.get(pk=made.pk), result="甲的结果", expected_version=opened, by=district
    )
    response = step(client, district, made, "result", result="乙的结果", expected_version=opened)
    assert response.status_code == 400
    assert "其他人" in response.content.decode() or "他人" in response.content.decode()
    assert Complaint.objects.get(pk=made.pk).result == "甲的结果"
    with pytest.raises(ConcurrentEditError):
        services.complaint_close(
            complaint=Complaint.objects.get(pk=made.pk), expected_version=opened, by=district
        )


def hazard_data(made, **extra):
    values = {
        "category": "elder_abuse",
        "severity": "major",
        "description": "护理员殴打老人",
        "responsible_unit": "铁东区测试养老院",
        "responsible_person": "王院长",
        "deadline": "2025-12-10",
        "expected_version": made.version,
        **extra,
    }
    return {f"hazard-{key}": value for key, value in values.items()}


def test_raising_a_hazard_once_linked_both_ways_even_when_posted_twice(client, world):
    district = world.users["district"]
    made = complaint(world.own_institution, district, category="abuse")
    url = reverse("complaints:hazard", args=[made.pk])
    client.force_login(district)
    data = with_token(client, hazard_data(made))
    first = client.post(url, data)
    again = client.post(url, data)  # a double click: the same token
    assert first.status_code == 302 and again.status_code == 302
    other_tab = post(client, district, url, hazard_data(made))  # a second tab: another token
    assert other_tab.status_code in (302, 400)
    assert Hazard.objects.count() == 1
    hazard = Hazard.objects.get()
    made.refresh_from_db()
    assert made.hazard == hazard and hazard.complaint == made
    assert (hazard.source, hazard.institution, hazard.found_on) == (
        "complaint",
        world.own_institution,
        made.received_on,
    )
    _r, body = page(client, district, reverse("complaints:detail", args=[made.pk]))
    assert reverse("hazards:detail", args=[hazard.pk]) in body and 'data-testid="hazard-form"' not in body
    with pytest.raises(ValidationError) as refused:
        services.complaint_raise_hazard(
            complaint=made, hazard=Hazard(), expected_version=made.version, by=district
        )
    assert "hazard" in refused.value.message_dict


def test_a_refused_hazard_raises_nothing_and_names_the_field(client, world):
    district = world.users["district"]
    made = complaint(world.own_institution, district)
    response = post(
        client,
        district,
        reverse("complaints:hazard", args=[made.pk]),
        hazard_data(made, responsible_person="", deadline="2025-02-30"),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "责任人" in body
    assert not Hazard.objects.exists()
    made.refresh_from_db()
    assert made.hazard_id is None


def test_get_never_writes(client, world):
    district = world.users["district"]
    made = complaint(world.own_institution, district)
    version = made.version
    for url in (
        reverse("complaints:list"),
        reverse("complaints:detail", args=[made.pk]),
        reverse("complaints:create"),
    ):
        assert page(client, district, url)[0].status_code == 200
    made.refresh_from_db()
    assert made.version == version and made.status == "received"
    assert client.get(reverse("complaints:step", args=[made.pk, "route"])).status_code == 405


# Query counts and the draws' weight ---------------------------------------------------------------


def _list_queries(client, user, n_rows):
    client.force_login(user)
    client.get(reverse("complaints:list"))  # warm the session, the calendar
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("complaints:list"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="complaint-row"') == n_rows
    return len(queries)


@pytest.mark.parametrize("role", ["city", "district"])
def test_the_list_runs_a_constant_number_of_queries(client, world, role):
    admin = world.users["admin"]
    homes = [world.own_institution]
    raw(homes[0], admin, received_on=datetime.date(2025, 9, 1))
    small = _list_queries(client, world.users[role], 1)
    for n in range(12):
        home = Institution.objects.create(name=f"铁东区第{n}养老院", region=world.regions["210302"])
        raw(home, admin, received_on=datetime.date(2025, 9, 1) + datetime.timedelta(days=n), category="fees")
        raw(home, admin, received_on=datetime.date(2025, 9, 2) + datetime.timedelta(days=n), category="fees")
    assert _list_queries(client, world.users[role], 25) == small


def test_counts_by_institution_in_one_query(world, django_assert_num_queries):
    admin = world.users["admin"]
    for day in (datetime.date(2025, 1, 5), datetime.date(2025, 6, 1), datetime.date(2025, 7, 1)):
        raw(world.own_institution, admin, received_on=day)
    raw(world.other_institution, admin, received_on=datetime.date(2025, 7, 2))
    ids = [world.own_institution.pk, world.other_institution.pk, world.foreign_institution.pk]
    with django_assert_num_queries(1):
        counts = services.counts_by_institution(ids, datetime.date(2025, 6, 1))
    assert counts == {
        world.own_institution.pk: 2,
        world.other_institution.pk: 1,
        world.foreign_institution.pk: 0,
    }
    assert services.counts_by_institution([], datetime.date(2025, 6, 1)) == {}


def test_the_hazard_page_tag_links_the_complaint_for_its_readers_only(rf, world):
    from django.template import Context, Template

    district = world.users["district"]
    made = complaint(world.own_institution, district, category="fire")
    hazard_fields = {
        "category": "fire",
        "severity": "general",
        "description": "消防通道堵塞",
        "responsible_unit": "铁东区测试养老院",
        "responsible_person": "王院长",
        "deadline": datetime.date(2025, 12, 10),
        "found_on": made.received_on,
    }
    services.complaint_raise_hazard(
        complaint=made, hazard=Hazard(**hazard_fields), expected_version=made.version, by=district
    )
    hazard = Hazard.objects.get()
    template = Template("{% load complaint_tags %}{% complaint_origin hazard %}")

    def shown(user):
        request = rf.get("/")
        request.user = user
        return template.render(Context({"request": request, "hazard": hazard}))

    assert reverse("complaints:detail", args=[made.pk]) in shown(district)
    assert reverse("complaints:detail", args=[made.pk]) in shown(world.users["city"])
    assert shown(world.users["department"]).strip() == ""  # not routed to 住建
    assert shown(world.users["institution"]).strip() == ""
