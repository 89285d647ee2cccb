"""The campaign as data, checked against the seed document itself."""

import datetime
import re

import pytest
import yaml

from campaign.models import Campaign, InspectionItem, Milestone
from campaign.services import DATA_DIR, campaign_copy, campaign_load_file
from tests.conftest import SEEDS

SEED_NOTICE = SEEDS / "000_caaf96290dec4cf6.txt"


def items_in_seed() -> dict[int, str]:
    """The attachment's items as printed: "N、text<TAB>" lines after the table header."""
    text = SEED_NOTICE.read_text(encoding="utf-8")
    table = text[text.index("调研检查重点工作项目\t") :]
    return {int(number): body for number, body in re.findall(r"^(\d+)、(.*?)\t", table, flags=re.M)}


def test_seed_document_is_available():
    assert SEED_NOTICE.exists(), f"seed notice not found at {SEED_NOTICE}; set SEEDS_DIR"


def test_all_thirty_item_texts_match_the_seed_exactly(campaign):
    seed = items_in_seed()
    assert sorted(seed) == list(range(1, 31))
    loaded = dict(campaign.items.values_list("number", "text"))
    assert loaded == seed


def test_key_task_titles_are_quoted_from_the_notice(campaign):
    text = SEED_NOTICE.read_text(encoding="utf-8")
    titles = list(campaign.key_tasks.values_list("number", "title"))
    assert [number for number, _ in titles] == list(range(1, 15))
    for _, title in titles:
        assert f"{title}。" in text


def test_campaign_header_follows_the_notice(campaign):
    assert campaign.doc_number == "鞍民发〔2020〕37号"
    assert campaign.issued_on == datetime.date(2020, 8, 7)
    assert campaign.region.code == "210300"
    assert campaign.issuing_bodies[0] == "鞍山市民政局"
    assert len(campaign.issuing_bodies) == 5


def test_city_level_items_are_answered_by_the_city(campaign):
    levels = dict(campaign.items.values_list("number", "level"))
    assert levels[15] == levels[21] == InspectionItem.Level.CITY
    assert levels[9] == levels[22] == InspectionItem.Level.BOTH
    assert {n for n, level in levels.items() if level == InspectionItem.Level.COUNTY} == set(range(1, 31)) - {
        9,
        15,
        21,
        22,
    }


@pytest.mark.parametrize(
    ("key", "due_on", "items"),
    [
        ("fire-review-one-case", "2020-08-31", {23}),
        ("fire-upgrade-city-plan", "2020-09-30", {15}),
        ("publish-institution-lists", "2020-10-15", {7, 8}),
        ("summary-report", "2020-10-20", set()),
        ("nursing-bed-indicator", "2020-10-30", {20}),
        ("new-institutions-entered", "2020-10-30", {30}),
        ("joint-acceptance", "2020-10-31", set()),
        ("rural-facility-legal-registration", "2020-11-30", {13, 14}),
        ("safety-standard-60-percent", "2020-12-31", {4}),
        ("medical-services-all-institutions", "2020-12-31", {19}),
        ("private-fire-upgrade-complete", "2021-12-31", {16}),
        ("county-disabled-care-facility", "2022-12-31", {11}),
    ],
)
def test_milestones_carry_the_notices_dates(campaign, key, due_on, items):
    milestone = campaign.milestones.get(key=key)
    assert milestone.due_on == datetime.date.fromisoformat(due_on)
    assert set(milestone.items.values_list("number", flat=True)) == items
    assert milestone.responsible


def test_every_dated_deadline_of_the_notice_is_a_milestone(campaign):
    dates = set(campaign.milestones.values_list("due_on", flat=True))
    assert dates == {
        datetime.date(2020, 8, 31),
        datetime.date(2020, 9, 30),
        datetime.date(2020, 10, 15),
        datetime.date(2020, 10, 20),
        datetime.date(2020, 10, 30),
        datetime.date(2020, 10, 31),
        datetime.date(2020, 11, 30),
        datetime.date(2020, 12, 31),
        datetime.date(2021, 12, 31),
        datetime.date(2022, 12, 31),
    }
    assert campaign.milestones.get(key="joint-acceptance").level == Milestone.Level.JOINT


def test_second_load_changes_nothing(campaign):
    stamps = {
        "campaign": Campaign.objects.values_list("updated_at", flat=True).get(pk=campaign.pk),
        "items": list(campaign.items.values_list("pk", "text")),
        "milestones": list(campaign.milestones.values_list("pk", "due_on", "title")),
    }
    _, report = campaign_load_file(path=DATA_DIR / "anshan_2020.yaml")
    assert not report.changed, report.changed_objects
    assert report.unchanged == 1 + 14 + 30 + campaign.milestones.count()
    assert Campaign.objects.values_list("updated_at", flat=True).get(pk=campaign.pk) == stamps["campaign"]
    assert list(campaign.items.values_list("pk", "text")) == stamps["items"]
    assert list(campaign.milestones.values_list("pk", "due_on", "title")) == stamps["milestones"]


def test_a_changed_data_file_updates_only_what_changed(campaign, tmp_path):
    data = yaml.safe_load((DATA_DIR / "anshan_2020.yaml").read_text(encoding="utf-8"))
    data["milestones"][0]["title"] = "改过的标题"
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _, report = campaign_load_file(path=path)
    assert (report.created, report.updated) == (0, 1)
    assert campaign.milestones.get(key=data["milestones"][0]["key"]).title == "改过的标题"


def test_copy_to_another_year_keeps_month_and_day(campaign):
    copy, _ = campaign_copy(source=campaign, year=2026)
    assert copy.key == "anshan-2026"
    assert copy.year == 2026 and "2026" in copy.title and copy.doc_number == ""
    assert copy.copied_from == campaign
    assert copy.items.count() == 30 and copy.key_tasks.count() == 14
    assert dict(copy.items.values_list("number", "text")) == dict(
        campaign.items.values_list("number", "text")
    )
    originals = dict(campaign.milestones.values_list("key", "due_on"))
    for key, due_on in copy.milestones.values_list("key", "due_on"):
        assert (due_on.month, due_on.day) == (originals[key].month, originals[key].day)
        assert due_on.year - originals[key].year == 6
    assert copy.milestones.get(key="county-disabled-care-facility").due_on == datetime.date(2028, 12, 31)
    milestone = copy.milestones.get(key="publish-institution-lists")
    assert set(milestone.items.values_list("number", flat=True)) == {7, 8}
    assert set(milestone.items.values_list("campaign", flat=True)) == {copy.pk}


def test_copying_twice_changes_nothing(campaign):
    campaign_copy(source=campaign, year=2026)
    _, report = campaign_copy(source=campaign, year=2026)
    assert not report.changed
