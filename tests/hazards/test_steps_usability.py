"""Issue 15, item 4 on the hazard's page: each step its own box and label, a refused step says why
in place (htmx swaps the step card; the address stays the hazard's page), a step taken says what
was done; a new hazard takes its "before" photos on the create form, all or nothing."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hazards.models import Hazard
from tests.hazards.factories import advance, hazard_values, photo, record
from tests.submissions import with_token


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def login(client, world, who):
    client.force_login(world.users[who])
    return client


def awaiting(world) -> Hazard:
    district = world.users["district"]
    return advance(record(world.own_institution, district), "awaiting_verification", district=district)


def labels_of(body: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>|\s|\*", "", label) for label in re.findall(r"<label[^>]*>(.*?)</label>", body, re.S)
    ]


def test_verifying_shows_one_box_per_step_each_with_its_own_label(client, world):
    hazard = awaiting(world)
    body = login(client, world, "district").get(reverse("hazards:detail", args=[hazard.pk])).content.decode()
    steps = body[body.index('id="hazard-steps"') : body.index('id="hazard-extend"')]
    labels = labels_of(steps)
    assert labels == ["核查意见", "退回理由"]
    assert steps.count("<textarea") == 2
    assert 'id="id_close_note"' in steps and 'id="id_return_note"' in steps


@pytest.mark.parametrize(("action", "message"), [("close", "请填写核查意见"), ("return", "请填写退回理由")])
def test_an_empty_step_is_refused_in_place_in_the_step_card(client, world, action, message):
    hazard = awaiting(world)
    login(client, world, "district")
    response = client.post(
        reverse("hazards:transition", args=[hazard.pk, action]),
        with_token(client, {"expected_version": hazard.version, "note": "  "}),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="hazard-steps",
    )
    # a fragment htmx swaps (200), not a page at /transition/…/: the address bar does not move
    assert response.status_code == 200 and "HX-Redirect" not in response
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="hazard-steps">') and "<html" not in body
    # the message sits under the box of that step, not under the other one
    form = body[body.index(f'data-testid="step-form-{action}"') :]
    form = form[: form.index("</form>")]
    assert message in form and "is-invalid" in form
    assert Hazard.objects.get(pk=hazard.pk).status == "awaiting_verification"


def test_a_plain_post_without_javascript_still_shows_the_error_on_the_page(client, world):
    hazard = awaiting(world)
    login(client, world, "district")
    response = client.post(
        reverse("hazards:transition", args=[hazard.pk, "return"]),
        with_token(client, {"expected_version": hazard.version}),
    )
    assert response.status_code == 400
    assert "请填写退回理由" in response.content.decode()


@pytest.mark.parametrize(
    ("action", "note", "said"),
    [("close", "现场核查，整改到位", "已核查销号"), ("return", "灭火器仍未更换", "已退回整改")],
)
def test_a_step_taken_says_what_was_done(client, world, action, note, said):
    hazard = awaiting(world)
    login(client, world, "district")
    response = client.post(
        reverse("hazards:transition", args=[hazard.pk, action]),
        with_token(client, {"expected_version": hazard.version, "note": note}),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="hazard-steps",
    )
    detail = reverse("hazards:detail", args=[hazard.pk])
    assert response.status_code == 200 and response["HX-Redirect"] == detail
    page = client.get(detail).content.decode()
    assert f"{hazard.code} {said}" in page
    hazard.refresh_from_db()
    assert hazard.verification_opinion == note


def test_a_repeated_step_from_the_hazard_page_goes_to_the_page_again_and_closes_once(client, world):
    """A double click (or a retried request) on 核查销号 sends the same form twice: the second answer
    replays the first one's HX-Redirect, so the browser lands on the hazard's page both times
    instead of an empty step card, and the step is taken once."""
    hazard = awaiting(world)
    login(client, world, "district")
    data = with_token(client, {"expected_version": hazard.version, "note": "现场核查，整改到位"})
    url = reverse("hazards:transition", args=[hazard.pk, "close"])
    first, second = (
        client.post(url, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="hazard-steps") for _ in range(2)
    )
    detail = reverse("hazards:detail", args=[hazard.pk])
    assert first.status_code == second.status_code == 200
    assert first["HX-Redirect"] == second["HX-Redirect"] == detail
    assert hazard.history.filter(status="closed").count() == 1


def test_the_institution_starting_rectification_is_told_so(client, world):
    hazard = record(world.own_institution, world.users["district"])
    login(client, world, "institution")
    response = client.post(
        reverse("hazards:transition", args=[hazard.pk, "start"]),
        with_token(client, {"expected_version": hazard.version}),
        follow=True,
    )
    assert f"{hazard.code} 已开始整改" in response.content.decode()


def test_a_step_no_longer_on_offer_says_why_in_the_card(client, world):
    hazard = awaiting(world)
    login(client, world, "district")
    stale = hazard.version
    advance(hazard, "closed", district=world.users["district"])
    response = client.post(
        reverse("hazards:transition", args=[hazard.pk, "return"]),
        with_token(client, {"expected_version": stale, "note": "退回"}),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="hazard-steps",
    )
    assert response.status_code == 200
    assert 'data-testid="step-error"' in response.content.decode()


def test_changing_the_deadline_names_the_new_date_and_refuses_in_place(client, world):
    hazard = record(world.own_institution, world.users["district"])
    login(client, world, "district")
    url = reverse("hazards:extend", args=[hazard.pk])
    refused = client.post(
        url,
        with_token(client, {"expected_version": hazard.version, "new_deadline": "2026-12-31", "reason": ""}),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="hazard-extend",
    )
    assert refused.status_code == 200 and refused.content.decode().lstrip().startswith(
        '<div id="hazard-extend">'
    )
    assert "is-invalid" in refused.content.decode()
    done = client.post(
        url,
        with_token(
            client, {"expected_version": hazard.version, "new_deadline": "2026-12-31", "reason": "需采购设备"}
        ),
        follow=True,
    )
    assert f"{hazard.code} 已延期至 2026-12-31" in done.content.decode()


# "Before" photos on the create form -----------------------------------------------------------


def create_data(world) -> dict:
    return {
        **hazard_values(world.own_institution),
        "institution": world.own_institution.pk,
        "found_on": "2026-11-02",
        "deadline": "2026-12-15",
    }


def test_a_new_hazard_takes_its_before_photos_on_the_create_form(client, world):
    login(client, world, "district")
    page = client.get(reverse("hazards:create")).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="photos"' in page and "multiple" in page
    data = {**create_data(world), "photos": [photo("走廊杂物.png"), photo("指示灯.png")]}
    response = client.post(reverse("hazards:create"), with_token(client, data), follow=True)
    hazard = Hazard.objects.get()
    files = list(hazard.evidence.order_by("original_name").values_list("original_name", "purpose"))
    assert files == [("指示灯.png", "before"), ("走廊杂物.png", "before")]
    assert "整改前照片 2 张" in response.content.decode()
    assert hazard.events.filter(action="evidence").count() == 2


def test_a_refused_photo_refuses_the_whole_hazard_naming_the_file(client, world, settings):
    login(client, world, "district")
    fake = SimpleUploadedFile("伪装.png", b"<html>not a picture</html>", content_type="image/png")
    data = {**create_data(world), "photos": [photo("走廊杂物.png"), fake]}
    response = client.post(reverse("hazards:create"), with_token(client, data))
    assert response.status_code == 200
    assert "伪装.png" in response.content.decode()
    assert not Hazard.objects.exists()
    assert not list(settings.MEDIA_ROOT.rglob("*.png"))


def test_the_edit_form_has_no_photo_field(client, world):
    hazard = record(world.own_institution, world.users["district"])
    page = login(client, world, "district").get(reverse("hazards:edit", args=[hazard.pk])).content.decode()
    assert 'name="photos"' not in page


def test_institution_choices_do_not_repeat_the_district(client, world):
    page = login(client, world, "district").get(reverse("hazards:create")).content.decode()
    name = world.own_institution.name
    assert f">{name}<" in page or f">{name}（" in page
    assert f"{world.own_institution.region.name} · " not in page


# In a real browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_the_browser_an_empty_verification_stays_on_the_page_with_its_error(
    live_server, world, page, artifacts
):
    from playwright.sync_api import expect

    from tests.institutions.test_e2e_registry import login as browser_login

    hazard = awaiting(world)
    browser_login(page, live_server, "tiedong")
    detail = f"{live_server.url}{reverse('hazards:detail', args=[hazard.pk])}"
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(detail)
        page.get_by_test_id("step-close").click()
        expect(page.get_by_test_id("step-form-close")).to_contain_text("请填写核查意见")
        assert page.url == detail
        page.screenshot(path=artifacts / f"hazard-step-error-{width}.png", full_page=True)
    page.fill("#id_close_note", "现场核查，整改到位")
    page.get_by_test_id("step-close").click()
    expect(page.get_by_text(f"{hazard.code} 已核查销号")).to_be_visible()
    assert page.url == detail
    expect(page.get_by_test_id("status")).to_have_text("已销号")
