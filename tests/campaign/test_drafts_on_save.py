"""Opening a page writes nothing: a unit's answer to an item, and its summary report, exist from the
unit's first save (or first file), never from a visit. A crawler or a curious user who only opens
the pages does not make the unit "in draft" on the city's matrix or report list."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaign import answers
from campaign.models import AnswerEvent, ItemAnswer
from core.models import Evidence
from reports.models import SummaryReport
from tests.hazards.factories import notice
from tests.submissions import with_token


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def district_items(world, who="district"):
    user = world.users[who]
    return [item for item in world.campaign.items.all() if answers.answering_region(user, item)]


def matrix_row(client, world, code):
    client.force_login(world.users["city"])
    response = client.get(reverse("checklist:matrix"))
    assert response.status_code == 200
    return next(row for row in response.context["rows"] if row["region"].code == code)


@pytest.mark.parametrize("who", ["district", "other_district", "city"])
def test_opening_every_answer_page_creates_no_answer(client, world, who):
    client.force_login(world.users[who])
    items = district_items(world, who)
    assert items
    for item in items:
        response = client.get(reverse("checklist:answer", args=[item.number]))
        assert response.status_code == 200
        assert response.context["answer"].status == "draft"
    # the list of items too
    assert client.get(reverse("checklist:index")).status_code == 200
    assert not ItemAnswer.objects.exists()
    assert not AnswerEvent.objects.exists()


@pytest.mark.parametrize("who", ["district", "other_district"])
def test_opening_the_summary_report_page_creates_no_report(client, world, who):
    client.force_login(world.users[who])
    for _ in range(2):
        response = client.get(reverse("reports:summary"))
        assert response.status_code == 200
        assert response.context["report"].pk is None and response.context["editable"]
    assert not SummaryReport.objects.exists()


def test_the_matrix_and_report_list_do_not_show_a_unit_that_only_looked(client, world):
    client.force_login(world.users["district"])
    for item in district_items(world):
        client.get(reverse("checklist:answer", args=[item.number]))
    client.get(reverse("reports:summary"))

    row = matrix_row(client, world, "210302")
    assert all(cell["answer"] is None for cell in row["cells"])
    assert sum(row["counts"].values()) == 0
    body = client.get(reverse("checklist:matrix")).content.decode()
    tiedong = body[body.index('data-testid="region-210302"') :]
    tiedong = tiedong[: tiedong.index("</tr>")]
    assert 'data-status="draft"' not in tiedong
    units = client.get(reverse("reports:summary_list")).context["rows"]
    assert next(unit for unit in units if unit.region.code == "210302").report is None

    # A real save is a draft on the matrix, for that item only.
    client.force_login(world.users["district"])
    url = reverse("checklist:answer", args=[4])
    response = client.post(url, with_token(client, {"narrative": "正在整理材料", "expected_version": 1}))
    assert response.status_code == 302
    row = matrix_row(client, world, "210302")
    drafts = [cell["item"].number for cell in row["cells"] if cell["answer"]]
    assert drafts == [4]
    assert ItemAnswer.objects.get().status == "draft"


@pytest.mark.parametrize("htmx", [False, True])
def test_the_first_file_on_an_answer_not_saved_yet_creates_the_draft(client, world, htmx):
    client.force_login(world.users["district"])
    assert client.get(reverse("checklist:answer", args=[7])).status_code == 200
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(
        reverse("checklist:evidence", args=[7]),
        with_token(client, {"file": notice("未备案机构名单.pdf")}),
        **headers,
    )
    answer = ItemAnswer.objects.get(item__number=7, region=world.regions["210302"])
    assert (answer.status, answer.narrative, answer.version) == ("draft", "", 1)
    assert [e.original_name for e in Evidence.objects.filter(owner_id=answer.pk)] == ["未备案机构名单.pdf"]
    assert list(answer.events.values_list("action", flat=True)) == ["evidence"]
    if htmx:  # the card shows the new file at once
        assert response.status_code == 200
        assert "未备案机构名单.pdf" in response.content.decode()
    else:
        assert response.status_code == 302
    # The page then shows the stored answer with its file, and the first save goes through.
    page = client.get(reverse("checklist:answer", args=[7]))
    assert "未备案机构名单.pdf" in page.content.decode()
    response = client.post(
        reverse("checklist:answer", args=[7]),
        with_token(client, {"narrative": "已公布", "expected_version": page.context["answer"].version}),
    )
    assert response.status_code == 302
    assert ItemAnswer.objects.get(pk=answer.pk).narrative == "已公布"


def test_a_refused_first_file_or_save_leaves_no_answer(client, world):
    client.force_login(world.users["district"])
    html = SimpleUploadedFile(
        "名单.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    response = client.post(reverse("checklist:evidence", args=[7]), with_token(client, {"file": html}))
    assert response.status_code == 400
    response = client.post(
        reverse("checklist:answer", args=[7]),
        with_token(client, {"narrative": " ", "expected_version": 1, "submit": "1"}),
    )
    assert response.status_code == 400  # a narrative is needed to submit
    assert not ItemAnswer.objects.exists()
    assert not Evidence.objects.exists()


def test_a_refused_first_summary_submission_leaves_no_report(client, world):
    client.force_login(world.users["district"])
    response = client.post(
        reverse("reports:summary"),
        with_token(client, {"problems": "人员不足", "expected_version": 1, "submit": "1"}),
    )
    assert response.status_code == 400  # all four sections are needed to submit
    assert "人员不足" in response.content.decode()  # the input is kept
    assert not SummaryReport.objects.exists()
    response = client.post(
        reverse("reports:summary"),
        with_token(client, {"problems": "人员不足", "expected_version": 1, "save": "1"}),
    )
    assert response.status_code == 302
    report = SummaryReport.objects.get()
    assert (report.status, report.problems, report.version) == ("draft", "人员不足", 2)


def test_another_unit_cannot_create_an_answer_by_posting_a_file(client, world):
    """The first file creates the poster's own unit's answer, never another's."""
    client.force_login(world.users["other_district"])
    response = client.post(reverse("checklist:evidence", args=[7]), with_token(client, {"file": notice()}))
    assert response.status_code == 302
    assert list(ItemAnswer.objects.values_list("region__code", flat=True)) == ["210303"]
    client.force_login(world.users["city"])  # item 7 is not the city's
    response = client.post(reverse("checklist:evidence", args=[7]), with_token(client, {"file": notice()}))
    assert response.status_code == 404
    assert ItemAnswer.objects.count() == 1
