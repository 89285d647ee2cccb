"""The checklist pages: a unit's items, the answer page, the city's matrix and review."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign import answers
from campaign.models import ItemAnswer
from core.models import Region
from tests.hazards.factories import notice
from tests.submissions import with_token


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def login(client, world, who):
    client.force_login(world.users[who])
    return client


def test_a_district_sees_its_items_grouped_with_due_dates(client, world, time_machine_2026):
    response = login(client, world, "district").get(reverse("checklist:index"))
    assert response.status_code == 200
    numbers = [row["item"].number for _task, rows in response.context["groups"] for row in rows]
    assert 15 not in numbers and 21 not in numbers  # the city's items
    assert {4, 7, 9, 22, 30} <= set(numbers)
    row = next(row for _task, rows in response.context["groups"] for row in rows if row["item"].number == 7)
    assert str(row["due_on"]) == "2020-10-15"


def test_answering_submitting_and_the_city_reviewing_through_the_pages(client, world):
    login(client, world, "district")
    url = reverse("checklist:answer", args=[4])
    page = client.get(url)
    assert page.status_code == 200
    version = page.context["form"]["expected_version"].value()
    response = client.post(
        url, with_token(client, {"narrative": "", "expected_version": version, "submit": "1"})
    )
    assert response.status_code == 400  # a narrative is needed to submit
    response = client.post(
        reverse("checklist:evidence", args=[4]), with_token(client, {"file": notice("GB38600自查汇总.pdf")})
    )
    assert response.status_code == 302
    response = client.post(
        url, with_token(client, {"narrative": "已完成自查", "expected_version": version, "submit": "1"})
    )
    assert response.status_code == 302
    answer = ItemAnswer.objects.get(item__number=4, region=world.regions["210302"])
    assert answer.status == "submitted" and answer.evidence.count() == 1

    login(client, world, "city")
    review = client.get(reverse("checklist:review", args=[answer.pk]))
    assert review.status_code == 200 and "GB38600自查汇总.pdf" in review.content.decode()
    assert (
        client.post(
            reverse("checklist:return", args=[answer.pk]), with_token(client, {"reason": ""})
        ).status_code
        == 400
    )
    assert (
        client.post(
            reverse("checklist:return", args=[answer.pk]), with_token(client, {"reason": "缺少名单"})
        ).status_code
        == 302
    )
    answer.refresh_from_db()
    assert (answer.status, answer.return_reason) == ("returned", "缺少名单")
    # The city cannot write the district's narrative through the district's page either.
    assert (
        client.post(
            url, with_token(client, {"narrative": "市局代填", "expected_version": answer.version})
        ).status_code
        == 404
    )


def test_the_district_cannot_review(client, world):
    draft = answers.answer_for(item=world.campaign.items.get(number=4), by=world.users["district"])
    answer = answers.answer_save(
        answer=draft, narrative="草稿", values={}, by=world.users["district"], expected_version=draft.version
    )
    response = login(client, world, "district").post(
        reverse("checklist:accept", args=[answer.pk]), with_token(client)
    )
    assert response.status_code == 403


def test_the_matrix_runs_the_same_queries_for_2_and_for_10_regions(client, world, regions):
    city_region = regions["210300"]
    login(client, world, "city")
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("checklist:matrix"))
    extra = [
        Region.objects.create(
            code=f"210300-Z{n:02d}", name=f"测试区{n}", kind="development_zone", parent=city_region
        )
        for n in range(50, 60)
    ]
    items = list(world.campaign.items.filter(level__in=("county", "both")))
    ItemAnswer.objects.bulk_create(
        ItemAnswer(item=item, region=region, status="accepted") for region in extra for item in items
    )
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("checklist:matrix"))
    assert len(response.context["rows"]) >= 10
    assert len(large) == len(small)
    row = next(row for row in response.context["rows"] if row["region"] == extra[0])
    assert row["counts"]["accepted"] == row["applicable"] == len(items)


def test_an_htmx_upload_answers_with_the_evidence_card_only(client, world):
    login(client, world, "district")
    url = reverse("checklist:evidence", args=[4])
    bad = client.post(url, with_token(client, {"file": _html_named_pdf()}), HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and 'id="answer-evidence"' in bad.content.decode()
    assert "内容不是" in bad.content.decode() or "不是PDF" in bad.content.decode()
    good = client.post(url, with_token(client, {"file": notice("名单.pdf")}), HTTP_HX_REQUEST="true")
    body = good.content.decode()
    assert body.lstrip().startswith('<div class="card') and "名单.pdf" in body and "<html" not in body


def _html_named_pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "名单.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
