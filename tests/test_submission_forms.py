"""Double submits, form by form: every create and step form of the portal, taken through its real
page. For each, the test renders the page, reads the token the form carries, posts without it
(refused, nothing written), with it (written, the usual answer) and with it again (nothing more
written, the same answer: the same redirect, or the same htmx fragment)."""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaign.models import ItemAnswer
from core.models import ImportBatch
from hazards import services as hazard_services
from institutions import services as institution_services
from institutions.models import Institution
from tests.conftest import PASSWORD
from tests.disclosure.factories import policy as make_policy
from tests.hazards.factories import advance, hazard_values, notice, photo, record
from tests.institutions.excel_helpers import XLSX, row, workbook
from tests.institutions.factories import valid_institution
from tests.submissions import field_value, login, snapshot, token_in, with_token


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def hazard_form_data(world, **changes) -> dict:
    values = hazard_values(world.own_institution, **changes)
    return {**values, "institution": world.own_institution.pk, "deadline": "2026-12-15"}


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
