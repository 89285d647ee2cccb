"""Issue 15, item 4 on the answer page: each declared figure is a box in its unit (家, 处, 人, %,
万元) with its range, refused with a sentence naming the figure when it is not a number of that
kind, stored in a form `Figure.matches` reads, and shown beside the portal's figure in the same unit."""

import re

import pytest
from django.urls import reverse

from campaign import indicators
from campaign.answer_views import FigureField, declared_display, figure_initial
from campaign.indicators.figures import AMOUNT, COUNT, COUNT_UNITS, RATIO, Figure, amount, count, ratio
from campaign.models import ItemAnswer
from tests.hazards.factories import record
from tests.submissions import with_token


def login(client, world, who):
    client.force_login(world.users[who])
    return client


def page_data(page) -> dict:
    form = page.context["form"]
    return {"narrative": "已完成", "expected_version": form["expected_version"].value()}


def test_every_counted_figure_of_every_item_has_a_unit(world):
    campaign = world.campaign
    for region in (world.regions["210302"], world.regions["210300"]):
        for number in indicators.COMPUTABLE | indicators.PARTLY:
            indicator = indicators.compute(campaign, region, number)
            for figure in indicator.figures if indicator else ():
                if figure.kind == COUNT:
                    assert figure.key in COUNT_UNITS, (number, figure.key)
                if figure.kind in (COUNT, RATIO, AMOUNT):
                    assert figure.unit, (number, figure.key)


def test_the_answer_page_shows_each_box_with_its_unit_range_and_the_computed_figure(client, world):
    record(world.own_institution, world.users["district"])
    body = login(client, world, "district").get(reverse("checklist:answer", args=[3])).content.decode()
    found = body[body.index('data-testid="figure-value_found"') :]
    found = found[: found.index('data-testid="figure-value_rectified"')]
    assert 'inputmode="numeric"' in found and ">处<" in found and "整数，不小于 0" in found
    computed = found[found.index('data-testid="computed"') :]
    assert re.search(r'font-monospace">\d+ 处<', computed)  # the portal's figure, in the same unit
    rectified = body[body.index('data-testid="figure-value_rectified"') :]
    assert 'inputmode="decimal"' in rectified and ">%<" in rectified
    assert re.search(r'font-monospace">(—|[\d.]+%（\d+/\d+）)<', rectified)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "“发现的风险隐患”须填写数字（单位：处），“abc”不是数字。"),
        ("2.5", "“发现的风险隐患”是数量，请填写整数（单位：处）。"),
        ("-1", "“发现的风险隐患”不能为负数。"),
    ],
)
def test_a_count_that_is_not_a_whole_number_is_refused_naming_the_figure(client, world, typed, message):
    login(client, world, "district")
    url = reverse("checklist:answer", args=[3])
    page = client.get(url)
    response = client.post(url, with_token(client, {**page_data(page), "value_found": typed, "save": "1"}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ItemAnswer.objects.filter(item__number=3).exists()


def test_a_rate_over_100_is_refused_and_a_rate_is_stored_as_a_percentage(client, world):
    login(client, world, "district")
    url = reverse("checklist:answer", args=[4])
    page = client.get(url)
    response = client.post(
        url, with_token(client, {**page_data(page), "value_compliant": "120", "save": "1"})
    )
    assert response.status_code == 400
    assert "是百分数，请填写 0 到 100 之间的数字" in response.content.decode()
    response = client.post(
        url, with_token(client, {**page_data(page), "value_compliant": "６２.５", "save": "1"})
    )
    assert response.status_code == 302
    answer = ItemAnswer.objects.get(item__number=4)
    assert answer.values == {"compliant": "62.5%"}
    # the box shows the percentage again, the figures table both numbers in %
    page = client.get(url)
    assert page.context["form"]["value_compliant"].value() == "62.5"
    assert "62.5%" in page.content.decode()


@pytest.mark.django_db
def test_figure_field_cleaning():
    rate = FigureField(figure=ratio("r", "达标率", 5, 8))
    assert rate.clean("62.5%") == "62.5%"
    assert rate.clean("5/8") == "5/8"
    assert rate.clean("") == ""
    with pytest.raises(Exception, match="不能大于"):
        rate.clean("9/8")
    funds = FigureField(figure=amount("f", "资金", None))
    assert funds.clean("3.5") == "3.5"
    assert funds.clean("1,234.50") == "1234.50"
    with pytest.raises(Exception, match="两位小数"):
        funds.clean("1.234")
    persons = FigureField(figure=count("residents", "人数", 3))
    assert persons.clean(" １２ ") == "12"


def test_what_is_stored_still_agrees_with_the_computed_figure():
    figure = ratio("r", "达标率", 5, 8)
    for typed in ("62.5", "62.5%", "5/8"):
        stored = FigureField(figure=figure).clean(typed)
        assert figure.matches(stored), typed
    assert count("found", "隐患", 12).matches(FigureField(figure=count("found", "隐患", 12)).clean("12"))


def test_older_declarations_read_in_the_unit_of_the_box():
    figure = ratio("r", "达标率", 5, 8)
    assert figure_initial(figure, "0.625") == "62.5"
    assert figure_initial(figure, "62.5%") == "62.5"
    assert declared_display(figure, "5/8") == "62.5%（5/8）"
    assert declared_display(count("found", "隐患", 1), "12") == "12 处"
    assert declared_display(Figure("gov_funds", "资金", None, AMOUNT), "3.5") == "3.5 万元"
