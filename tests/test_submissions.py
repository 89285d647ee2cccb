"""Double submits (issue 10, kind 6): every create and step form carries a one-time token
(core/submissions.py), so the same submission posted twice writes once and both answers are the
same; a POST without a valid token of its user is refused with a sentence and writes nothing.

The parametrised test takes every form kind of the portal through its real page: it renders the
page, reads the token the form carries, posts without it (refused), with it (written) and with it
again (nothing more written, the same answer)."""

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from campaign.models import ItemAnswer
from core import submissions
from core.models import ImportBatch, SubmissionToken
from hazards import services as hazard_services
from hazards.models import Hazard, HazardEvent
from institutions import services as institution_services
from institutions.models import Institution
from tests.conftest import PASSWORD
from tests.disclosure.factories import policy as make_policy
from tests.hazards.factories import advance, hazard_values, notice, photo, record
from tests.institutions.excel_helpers import XLSX, row, workbook
from tests.institutions.factories import valid_institution
from tests.submissions import token_in, tokens_in, with_token

REFUSED = (
    "This form could not be accepted: its one-time submission token is missing or no longer valid, so "
    "nothing was saved. Reload the page and submit it again."
)
ALREADY_SENT = "This form had already been sent; it was saved once. Here is the result."
OTHER_FORM = (
    "This form token was already used for another form, so nothing was saved. Reload the page and try again."
)
# Rows that are not the portal's data: the claims themselves, sessions, login records.
NOT_DATA = {"core.submissiontoken", "sessions.session"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return gettext(text)


def snapshot() -> dict[str, int]:
    """Row counts of every table of the portal's data."""
    return {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label_lower not in NOT_DATA and model._meta.app_label != "axes"
    }


def login(world, who) -> Client:
    client = Client()
    client.force_login(world.users[who])
    return client


def field_value(response, name: str, after: str | None = None) -> str:
    body = response.content.decode()
    start = body.index(after) if after else 0
    return re.compile(rf'name="{name}" value="([^"]*)"').search(body, start).group(1)


def hazard_form_data(world, **changes) -> dict:
    values = hazard_values(world.own_institution, **changes)
    return {**values, "institution": world.own_institution.pk, "deadline": "2026-12-15"}


# The basic promise, on the hazard form -----------------------------------------------------------


def test_the_same_hazard_form_posted_twice_records_one_hazard_and_both_answers_point_to_it(world):
    client = login(world, "district")
    page = client.get(reverse("hazards:create"))
    token = token_in(page, 'data-testid="hazard-form"')
    data = {**hazard_form_data(world), submissions.FIELD: token}
    first = client.post(reverse("hazards:create"), data)
    second = client.post(reverse("hazards:create"), data, follow=True)
    hazard = Hazard.objects.get()
    detail = reverse("hazards:detail", args=[hazard.pk])
    assert first.status_code == 302 and first["Location"] == detail
    assert second.redirect_chain == [(detail, 302)]
    assert zh(ALREADY_SENT) in second.content.decode()
    assert hazard.events.filter(action="create").count() == 1


def test_a_post_without_a_token_is_refused_with_a_sentence_and_writes_nothing(world):
    client = login(world, "district")
    before = snapshot()
    response = client.post(reverse("hazards:create"), hazard_form_data(world))
    assert response.status_code == 400
    assert zh(REFUSED) in response.content.decode()
    assert 'data-testid="submission-refused"' in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda world: submissions.issue(world.users["other_district"]), id="another-users"),
        pytest.param(lambda world: submissions.issue(world.users["district"])[:-2] + "xx", id="tampered"),
        pytest.param(lambda world: "1.abc", id="unsigned"),
        pytest.param(lambda world: "", id="empty"),
    ],
)
def test_a_token_of_another_user_or_a_forged_one_is_refused(world, token):
    client = login(world, "district")
    response = client.post(
        reverse("hazards:create"), {**hazard_form_data(world), "submission_token": token(world)}
    )
    assert response.status_code == 400 and zh(REFUSED) in response.content.decode()
    assert not Hazard.objects.exists()


def test_an_expired_token_is_refused(world, monkeypatch):
    client = login(world, "district")
    data = with_token(client, hazard_form_data(world))
    monkeypatch.setattr(submissions, "max_age", lambda: -1)  # every token is older than that
    assert client.post(reverse("hazards:create"), data).status_code == 400
    assert not Hazard.objects.exists()


def test_a_token_lives_at_least_as_long_as_the_session(settings):
    settings.SESSION_COOKIE_AGE = 3 * 24 * 60 * 60
    assert submissions.max_age() == settings.SESSION_COOKIE_AGE
    settings.SESSION_COOKIE_AGE = 60
    assert submissions.max_age() == 24 * 60 * 60


def test_a_claimed_token_sent_to_another_form_is_refused(world):
    hazard = record(world.own_institution, world.users["district"])
    client = login(world, "district")
    data = with_token(client, {"reason": "重复录入"})
    assert client.post(reverse("hazards:delete", args=[hazard.pk]), data).status_code == 302
    other = record(world.own_institution, world.users["district"], description="另一处隐患")
    response = client.post(reverse("hazards:delete", args=[other.pk]), data)
    assert response.status_code == 400 and zh(OTHER_FORM) in response.content.decode()
    assert Hazard.objects.live().filter(pk=other.pk).exists()


def test_a_form_with_errors_keeps_nothing_and_may_be_corrected_and_sent_again(world):
    client = login(world, "district")
    page = client.get(reverse("hazards:create"))
    token = token_in(page, 'data-testid="hazard-form"')
    bad = client.post(
        reverse("hazards:create"),
        {**hazard_form_data(world), "deadline": "2026-10-01", "submission_token": token},
    )
    assert bad.status_code == 200 and not Hazard.objects.exists()
    fresh = token_in(bad, 'data-testid="hazard-form"')
    assert fresh != token  # the form shown again carries a new token
    assert not SubmissionToken.objects.exists()  # and the first one was not used up
    good = client.post(reverse("hazards:create"), {**hazard_form_data(world), "submission_token": fresh})
    assert good.status_code == 302 and Hazard.objects.count() == 1


def test_rendering_a_form_writes_nothing():
    """Tokens are signed, not stored: a GET stays free of writes (compare the URL sweep)."""
    assert not SubmissionToken._meta.get_field("key").null


def test_old_claims_are_purged(world, monkeypatch):
    from django.core.management import call_command

    client = login(world, "district")
    hazard = record(world.own_institution, world.users["district"])
    client.post(reverse("hazards:delete", args=[hazard.pk]), with_token(client, {"reason": "重复录入"}))
    assert SubmissionToken.objects.count() == 1
    call_command("purge_submissions")
    assert SubmissionToken.objects.count() == 1  # still young
    monkeypatch.setattr(submissions, "max_age", lambda: -1)
    call_command("purge_submissions")
    assert not SubmissionToken.objects.exists()


# htmx ----------------------------------------------------------------------------------------------


def test_an_htmx_row_step_posted_twice_takes_the_step_once_and_returns_the_same_row(world):
    hazard = record(world.own_institution, world.users["district"])
    client = login(world, "institution")
    page = client.get(reverse("hazards:list"))
    url = reverse("hazards:transition", args=[hazard.pk, "start"])
    token = token_in(page, f'hx-post="{url}"')
    data = {"expected_version": hazard.version, "submission_token": token}
    first = client.post(url, data, HTTP_HX_REQUEST="true")
    second = client.post(url, data, HTTP_HX_REQUEST="true")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content and second["HX-Trigger"] == first["HX-Trigger"] == "hazardsChanged"
    assert HazardEvent.objects.filter(hazard=hazard, action="start").count() == 1
    # the row it returns carries fresh tokens for the next steps
    assert token not in first.content.decode() and tokens_in(first)


def test_a_refused_htmx_post_reloads_the_page_with_the_sentence(world):
    hazard = record(world.own_institution, world.users["district"])
    client = login(world, "institution")
    url = reverse("hazards:transition", args=[hazard.pk, "start"])
    response = client.post(url, {"expected_version": hazard.version}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and response["HX-Refresh"] == "true"
    hazard.refresh_from_db()
    assert hazard.status == "pending"
    assert zh(REFUSED) in client.get(reverse("hazards:list")).content.decode()


# Every form kind, through its page ---------------------------------------------------------------


@dataclass
class Form:
    viewer: str
    page: str  # the page that shows the form
    marker: str | None  # text just before the form's token on that page (None: the only form)
    action: str  # where it posts
    data: Callable[[], dict] = dict  # fresh POST data at each call (files are read once)
    htmx: bool = False
    writes: bool = True  # does a submission add rows (a password change only updates one)
    extra: dict = field(default_factory=dict)


def _home(world) -> Institution:
    home = valid_institution(world.regions["210302"], "铁东区康乐老年公寓")
    world.users["institution"].institution = home
    world.users["institution"].save()
    return home


def _submitted_self_report(world):
    home = _home(world)
    values = institution_services.self_report_values_from(home)
    return institution_services.self_report_save(
        institution=home, values={**values, "residents": 70}, by=world.users["institution"], submit=True
    )


def _answer(world, status="submitted") -> ItemAnswer:
    item = world.campaign.items.get(number=4)
    return ItemAnswer.objects.create(
        item=item,
        region=world.regions["210302"],
        status=status,
        narrative="已落实",
        submitted_by=world.users["district"],
    )


def _summary(world, accept=False):
    from reports import services as report_services
    from tests.reports.test_summary import fill

    report = fill(world)
    if accept:
        report = report_services.report_accept(report=report, by=world.users["city"])
    return report


def _batch(world) -> ImportBatch:
    client = login(world, "district")
    response = client.post(reverse("institutions:import"), with_token(client, {"file": _workbook()}))
    return ImportBatch.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def _workbook():
    return SimpleUploadedFile("机构名单.xlsx", workbook(row()), content_type=XLSX)


def form_institution_create(world):
    from tests.institutions.test_registry import form_data

    draft = valid_institution(world.regions["210302"], "铁东区新建养老院", save=False)
    return Form(
        "district",
        reverse("institutions:create"),
        'data-testid="institution-form"',
        reverse("institutions:create"),
        lambda: form_data(draft),
    )


def form_institution_edit(world):
    from tests.institutions.test_registry import form_data

    institution = valid_institution(world.regions["210302"], "铁东区幸福养老院")
    url = reverse("institutions:edit", args=[institution.pk])
    return Form(
        "district", url, 'data-testid="institution-form"', url, lambda: form_data(institution, beds=120)
    )


def form_self_report(world):
    home = _home(world)
    values = institution_services.self_report_values_from(home)
    data = {k: ("on" if v else None) if isinstance(v, bool) else v for k, v in values.items()}
    data = {k: v for k, v in data.items() if v is not None}
    url = reverse("institutions:self_report")
    return Form(
        "institution",
        url,
        'data-testid="self-report-form"',
        url,
        lambda: {**data, "residents": 70, "submit": "1"},
    )


def form_self_report_accept(world):
    report = _submitted_self_report(world)
    url = reverse("institutions:self_report_accept", args=[report.pk])
    return Form(
        "district", reverse("institutions:self_report_review", args=[report.pk]), f'action="{url}"', url
    )


def form_self_report_return(world):
    report = _submitted_self_report(world)
    url = reverse("institutions:self_report_return", args=[report.pk])
    return Form(
        "district",
        reverse("institutions:self_report_review", args=[report.pk]),
        f'action="{url}"',
        url,
        lambda: {"reason": "床位数与备案材料不符"},
    )


def form_institution_import(world):
    url = reverse("institutions:import")
    return Form("district", url, 'data-testid="import-upload-form"', url, lambda: {"file": _workbook()})


def form_institution_import_apply(world):
    batch = _batch(world)
    url = reverse("institutions:import_apply", args=[batch.pk])
    return Form("district", reverse("institutions:import_preview", args=[batch.pk]), f'action="{url}"', url)


def form_hazard_create(world):
    url = reverse("hazards:create")
    return Form("district", url, 'data-testid="hazard-form"', url, lambda: hazard_form_data(world))


def form_hazard_edit(world):
    hazard = record(world.own_institution, world.users["district"])
    url = reverse("hazards:edit", args=[hazard.pk])
    return Form(
        "district",
        url,
        'data-testid="hazard-form"',
        url,
        lambda: {
            **hazard_form_data(world, measures="改为更换全部指示灯"),
            "expected_version": hazard.version,
        },
    )


def form_hazard_step(world):
    hazard = record(world.own_institution, world.users["district"])
    url = reverse("hazards:transition", args=[hazard.pk, "start"])
    return Form(
        "institution",
        reverse("hazards:detail", args=[hazard.pk]),
        f'action="{url}"',
        url,
        lambda: {"expected_version": hazard.version},
    )


def form_hazard_close(world):
    district = world.users["district"]
    hazard = advance(record(world.own_institution, district), "awaiting_verification", district=district)
    url = reverse("hazards:transition", args=[hazard.pk, "close"])
    return Form(
        "district",
        reverse("hazards:detail", args=[hazard.pk]),
        f'action="{url}"',
        url,
        lambda: {"expected_version": hazard.version, "note": "经现场核查，整改到位"},
    )


def form_hazard_row_step(world):
    hazard = record(world.own_institution, world.users["district"])
    url = reverse("hazards:transition", args=[hazard.pk, "start"])
    return Form(
        "institution",
        reverse("hazards:list"),
        f'hx-post="{url}"',
        url,
        lambda: {"expected_version": hazard.version},
        htmx=True,
    )


def form_hazard_extend(world):
    hazard = record(world.own_institution, world.users["district"])
    url = reverse("hazards:extend", args=[hazard.pk])
    return Form(
        "district",
        reverse("hazards:detail", args=[hazard.pk]),
        f'action="{url}"',
        url,
        lambda: {"expected_version": hazard.version, "new_deadline": "2026-12-31", "reason": "需采购设备"},
    )


def form_hazard_evidence(world):
    hazard = record(world.own_institution, world.users["district"])
    url = reverse("hazards:evidence", args=[hazard.pk])
    return Form(
        "institution",
        reverse("hazards:detail", args=[hazard.pk]),
        f'action="{url}"',
        url,
        lambda: {"purpose": "after", "file": photo()},
    )


def form_hazard_refer(world):
    hazard = record(world.own_institution, world.users["district"], category="building")
    url = reverse("hazards:refer", args=[hazard.pk])
    return Form(
        "district",
        reverse("hazards:detail", args=[hazard.pk]),
        f'action="{url}"',
        url,
        lambda: {
            "department": "housing",
            "referred_on": "2026-11-04",
            "note": "请开展建筑安全检查",
            "notice": notice(),
        },
    )


def form_hazard_reply(world):
    hazard = record(world.own_institution, world.users["district"], category="building")
    referral = hazard_services.referral_create(
        hazard=hazard,
        department="housing",
        referred_on=hazard.found_on,
        note="请检查",
        notice=notice(),
        by=world.users["district"],
    )
    url = reverse("hazards:reply", args=[referral.pk])
    return Form(
        "department",
        reverse("hazards:detail", args=[hazard.pk]),
        f'action="{url}"',
        url,
        lambda: {f"r{referral.pk}-reply": "已责令限期修复", f"r{referral.pk}-replied_on": "2026-11-06"},
    )


def form_hazard_delete(world):
    hazard = record(world.own_institution, world.users["district"])
    url = reverse("hazards:delete", args=[hazard.pk])
    return Form(
        "district",
        reverse("hazards:detail", args=[hazard.pk]),
        f'action="{url}"',
        url,
        lambda: {"reason": "重复录入"},
    )


def form_answer(world):
    url = reverse("checklist:answer", args=[4])
    return Form(
        "district",
        url,
        'data-testid="answer-form"',
        url,
        lambda: {"narrative": "已完成自查", "save": "1"},
        extra={"version": True},
    )


def form_answer_evidence(world):
    url = reverse("checklist:evidence", args=[4])
    return Form(
        "district",
        reverse("checklist:answer", args=[4]),
        f'action="{url}"',
        url,
        lambda: {"file": notice("名单.pdf")},
        htmx=True,
    )


def form_answer_accept(world):
    answer = _answer(world)
    url = reverse("checklist:accept", args=[answer.pk])
    return Form("city", reverse("checklist:review", args=[answer.pk]), f'action="{url}"', url)


def form_answer_return(world):
    answer = _answer(world)
    url = reverse("checklist:return", args=[answer.pk])
    return Form(
        "city",
        reverse("checklist:review", args=[answer.pk]),
        f'action="{url}"',
        url,
        lambda: {"reason": "缺少名单"},
    )


def form_answer_reopen(world):
    answer = _answer(world, status="accepted")
    url = reverse("checklist:reopen", args=[answer.pk])
    return Form(
        "city",
        reverse("checklist:review", args=[answer.pk]),
        f'action="{url}"',
        url,
        lambda: {"reason": "需补充数据"},
    )


def form_summary(world):
    from tests.reports.test_summary import SECTIONS

    url = reverse("reports:summary")
    return Form(
        "district",
        url,
        'data-testid="summary-form"',
        url,
        lambda: {**SECTIONS, "save": "1"},
        extra={"version": True},
    )


def form_summary_accept(world):
    report = _summary(world)
    url = reverse("reports:summary_accept", args=[report.pk])
    return Form("city", reverse("reports:summary_detail", args=[report.pk]), f'action="{url}"', url)


def form_summary_return(world):
    report = _summary(world)
    url = reverse("reports:summary_return", args=[report.pk])
    return Form(
        "city",
        reverse("reports:summary_detail", args=[report.pk]),
        f'action="{url}"',
        url,
        lambda: {"return-reason": "请补充问题清单"},
    )


def form_summary_reopen(world):
    report = _summary(world, accept=True)
    url = reverse("reports:summary_reopen", args=[report.pk])
    return Form(
        "city",
        reverse("reports:summary_detail", args=[report.pk]),
        f'action="{url}"',
        url,
        lambda: {"reopen-reason": "需补充2020年数据"},
    )


def _policy_data(world, title="关于加快发展养老服务业的实施意见"):
    return {
        "region": world.regions["210302"].pk,
        "title": title,
        "issuing_body": "鞍山市人民政府",
        "issued_on": "2020-06-01",
        "url": "https://www.example.gov.cn/p.html",
    }


def form_policy_create(world):
    url = reverse("disclosure:policy_create")
    return Form("district", url, 'data-testid="policy-form"', url, lambda: _policy_data(world))


def form_policy_edit(world):
    policy = make_policy(world.regions["210302"], world.users["district"])
    url = reverse("disclosure:policy_edit", args=[policy.pk])
    # an edit updates the row in place (no history table): checked by the answers being the same
    return Form(
        "district",
        url,
        'data-testid="policy-form"',
        url,
        lambda: _policy_data(world, "改过的标题"),
        writes=False,
    )


def form_policy_delete(world):
    policy = make_policy(world.regions["210302"], world.users["district"])
    url = reverse("disclosure:policy_delete", args=[policy.pk])
    page = reverse("disclosure:manage_region", args=["210302"])
    return Form("district", page, f'action="{url}"', url)


def form_publish(world):
    url = reverse("disclosure:publish", args=["210302", "filed"])
    return Form("district", reverse("disclosure:manage_region", args=["210302"]), f'action="{url}"', url)


def form_password_change(world):
    url = reverse("accounts:password_change")
    new = "Tiedong-new-2026"
    return Form(
        "district",
        url,
        None,
        url,
        lambda: {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        writes=False,
    )


FORMS = {
    name.removeprefix("form_"): builder
    for name, builder in dict(globals()).items()
    if name.startswith("form_")
}


@pytest.mark.parametrize("kind", sorted(FORMS))
def test_every_form_carries_a_token_and_a_repeat_writes_nothing_more(world, kind):
    form = FORMS[kind](world)
    client = login(world, form.viewer)
    headers = {"HTTP_HX_REQUEST": "true"} if form.htmx else {}
    page = client.get(form.page)
    assert page.status_code == 200
    token = token_in(page, form.marker)

    def data():
        values = form.data()
        if form.extra.get("version"):
            values["expected_version"] = field_value(page, "expected_version")
        return values

    before = snapshot()
    refused = client.post(form.action, data(), **headers)
    assert refused.status_code == 400 and snapshot() == before

    first = client.post(form.action, {**data(), "submission_token": token}, **headers)
    after_first = snapshot()
    if form.htmx:
        assert first.status_code == 200, first.content.decode()[:500]
    else:
        assert first.status_code == 302, first.content.decode()[:2000]
    if form.writes:
        assert after_first != before

    second = client.post(form.action, {**data(), "submission_token": token}, **headers)
    assert snapshot() == after_first
    assert second.status_code == first.status_code
    if form.htmx:
        assert second.content == first.content
    else:
        assert second["Location"] == first["Location"]


def test_every_post_form_in_the_templates_renders_a_token():
    """A guard for forms still to come: every <form method="post"> and every hx-post element of
    the templates carries the token, except the login, logout and language forms."""
    from pathlib import Path

    from django.conf import settings

    exempt = ("accounts:logout", "set_language", "accounts/login.html")
    missing = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<form[^>]*method=\"post\"[^>]*>|<[a-z]+[^>]*hx-post=[^>]*>", text, re.S):
            tag = match.group(0)
            if any(name in tag for name in exempt) or path.name == "login.html":
                continue
            following = text[match.end() : match.end() + 120]
            if "submission_token" not in tag and "{% submission_token %}" not in following:
                missing.append(f"{path.name}: {tag[:80]}")
    assert not missing, missing


# Two at once, on real PostgreSQL -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_identical_posts_at_once_record_one_hazard(world, monkeypatch):
    """Both requests start together; the first holds its claim for a while inside the service. The
    second's INSERT of the same token waits on the unique index, then answers with the first's
    result."""
    client_a = login(world, "district")
    token = submissions.issue(world.users["district"])
    data = {**hazard_form_data(world), "submission_token": token}
    original = hazard_services.hazard_create
    started = threading.Event()

    def slow_create(**kwargs):
        started.set()
        hazard = original(**kwargs)
        threading.Event().wait(0.8)  # the second request arrives meanwhile
        return hazard

    monkeypatch.setattr(hazard_services, "hazard_create", slow_create)
    responses = {}

    def post(name, client):
        try:
            responses[name] = client.post(reverse("hazards:create"), data)
        finally:
            connection.close()

    client_b = Client()
    client_b.cookies = client_a.cookies  # the same session: a double click
    first = threading.Thread(target=post, args=("first", client_a))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=post, args=("second", client_b))
    second.start()
    first.join(20)
    second.join(20)
    hazard = Hazard.objects.get()
    detail = reverse("hazards:detail", args=[hazard.pk])
    assert responses["first"].status_code == responses["second"].status_code == 302
    assert responses["first"]["Location"] == responses["second"]["Location"] == detail
    assert SubmissionToken.objects.get().location == detail


# The demo's SQLite -----------------------------------------------------------------------------------

SQLITE_CHECK = """
import json
import threading
import time
from django.db import connection, transaction, OperationalError
from django.db import connections

cursor = connection.cursor()
cursor.execute("CREATE TABLE IF NOT EXISTS busy_check (n integer)")
report = {
    "journal_mode": cursor.execute("PRAGMA journal_mode").fetchone()[0],
    "busy_timeout": cursor.execute("PRAGMA busy_timeout").fetchone()[0],
    "errors": [],
}
connection.close()
barrier = threading.Barrier(3)

def write(n):
    try:
        barrier.wait()
        with transaction.atomic():  # read, think, write: what a form's view does
            c = connection.cursor()
            c.execute("SELECT count(*) FROM busy_check").fetchone()
            time.sleep(0.3)
            c.execute("INSERT INTO busy_check VALUES (%s)", [n])
    except OperationalError as error:
        report["errors"].append(str(error))
    finally:
        connections.close_all()

threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
report["rows"] = connection.cursor().execute("SELECT count(*) FROM busy_check").fetchone()[0]
print(json.dumps(report))
"""


def test_the_demo_sqlite_lets_three_writers_wait_for_each_other(tmp_path):
    """`make run`'s database: WAL, a busy timeout, IMMEDIATE transactions. Three requests that each
    read and then write at the same moment all succeed (before: two got "database is locked")."""
    from django.conf import settings

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "DJANGO_DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SQLITE_CHECK],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["journal_mode"] == "wal" and report["busy_timeout"] >= 10000
    assert report["errors"] == [] and report["rows"] == 3
