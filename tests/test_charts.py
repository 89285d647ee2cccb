"""The chart component's Python side (core/charts.py) and its template (templates/core/chart.html):
the JSON-safe data charts.js draws, and the table that holds the same numbers."""

import html as html_module
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from core.charts import Chart, Series, display


def chart(**changes) -> Chart:
    values = {
        "id": "hazards-by-district",
        "kind": "stacked_bar",
        "title": "各区县安全隐患整改情况",
        "categories": ["铁东区", "铁西区", "千山区"],
        "series": [
            Series("未整改", [12, 3, 0], stack="hazards"),
            Series("已整改", [30, None, 9], stack="hazards"),
        ],
        "unit": "项",
        "links": ["/hazards/?region=210302", None, "/hazards/?region=210311"],
    }
    return Chart(**{**values, **changes})


def strings_only(value) -> bool:
    """No lazy translation left anywhere in the data."""
    if isinstance(value, Promise):
        return False
    if isinstance(value, dict):
        return all(strings_only(key) and strings_only(item) for key, item in value.items())
    if isinstance(value, list):
        return all(strings_only(item) for item in value)
    return value is None or isinstance(value, str | int | float | bool)


def test_the_data_has_the_shape_charts_js_reads():
    data = chart().as_data()
    assert data["id"] == "hazards-by-district"
    assert data["kind"] == "stacked_bar"
    assert data["categories"] == ["铁东区", "铁西区", "千山区"]
    assert data["series"] == [
        {"name": "未整改", "values": [12, 3, 0], "stack": "hazards"},
        {"name": "已整改", "values": [30, None, 9], "stack": "hazards"},
    ]
    assert data["unit"] == "项"
    assert data["links"] == ["/hazards/?region=210302", None, "/hazards/?region=210311"]
    assert data["horizontal"] is False  # three short names fit side by side
    assert json.loads(json.dumps(data)) == data


def test_lazy_translations_become_str():
    data = chart(
        title=gettext_lazy("Hazards"),
        unit=gettext_lazy("Hazards"),
        categories=[gettext_lazy("Open"), "铁西区", "千山区"],
        series=[(gettext_lazy("Closed"), [1, 2, 3])],
    ).as_data()
    assert strings_only(data), data
    assert isinstance(data["title"], str) and isinstance(data["categories"][0], str)
    assert isinstance(data["series"][0]["name"], str)
    assert json.dumps(data)


def test_lazy_strings_are_translated_in_the_active_language():
    with translation.override("zh-hans"):
        data = chart(title=gettext_lazy("Log out")).as_data()
    assert data["title"] == "退出登录"


def test_none_values_stay_none_and_numbers_become_json_numbers():
    data = chart(
        kind="bar",
        series=[
            Series("比例", [Decimal("87.50"), Fraction(1, 3), None]),
            Series("数", [Decimal("4"), 2.0, 1]),
        ],
    ).as_data()
    assert data["series"][0]["values"] == [87.5, pytest.approx(1 / 3), None]
    assert data["series"][1]["values"] == [4, 2.0, 1]
    assert isinstance(data["series"][1]["values"][0], int)
    assert data["series"][0]["stack"] is None  # only a stacked bar stacks


def test_links_are_kept_and_none_without_any():
    assert chart().as_data()["links"][1] is None
    assert chart(links=None).as_data()["links"] == []
    assert chart(links=[None, None, None]).as_data()["links"] == []


def test_a_stacked_series_without_a_stack_joins_the_common_one():
    data = chart(series=[("甲", [1, 2, 3]), ("乙", [4, 5, 6], "其他")]).as_data()
    assert [item["stack"] for item in data["series"]] == ["total", "其他"]


def test_many_or_long_categories_are_drawn_horizontally():
    many = [f"{number}号" for number in range(7)]
    assert chart(categories=many, series=[("数", [1] * 7)], links=None).as_data()["horizontal"] is True
    long = ["岫岩满族自治县", "铁东区", "铁西区"]
    assert chart(categories=long).as_data()["horizontal"] is True
    assert chart(categories=long, horizontal=False).as_data()["horizontal"] is False
    assert (
        chart(kind="line", categories=many, series=[("数", [1] * 7)], links=None).as_data()["horizontal"]
        is False
    )


def test_wrong_shapes_are_refused():
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        chart(series=[("甲", [1, 2])])
    with pytest.raises(ValueError, match="links"):
        chart(links=["/a/"])
    with pytest.raises(ValueError, match="kind"):
        chart(kind="pie")
    with pytest.raises(ValueError, match="slug"):
        chart(id="Hazards by district")
    with pytest.raises(ValueError, match="no series"):
        chart(series=[])
    with pytest.raises(TypeError):
        chart(series=[("甲", [1, "2", 3])]).as_data()
    with pytest.raises(ValueError, match="finite"):
        chart(series=[("甲", [1, float("nan"), 3])]).as_data()


def test_values_read_as_the_labels_write_them():
    assert [display(value) for value in (12, 12.0, 87.5, Decimal("87.50"), 1 / 3, None, 0)] == [
        "12",
        "12",
        "87.5",
        "87.5",
        "0.33",
        "—",
        "0",
    ]


def test_the_description_says_every_figure_in_chinese():
    with translation.override("zh-hans"):
        text = chart().description()
    assert text.startswith("各区县安全隐患整改情况"), text
    for said in ("铁东区", "未整改 12", "已整改 30", "千山区"):
        assert said in text, text


def test_the_include_renders_the_figure_the_json_and_the_table():
    with translation.override("zh-hans"):
        html = render_to_string("core/chart.html", {"chart": chart()})
    assert 'data-chart="hazards-by-district"' in html
    assert "<script" not in html  # htmx drops scripts from swapped content: the data is an attribute
    assert "data-chart-json=" in html
    assert "<table" in html and "<details" in html
    assert '<a href="/hazards/?region=210302">铁东区</a>' in html
    assert '<td class="text-end text-nowrap">—</td>' in html  # 铁西区's missing figure
    start = html.index('data-chart-json="') + len('data-chart-json="')
    attribute = html[start : html.index('"', start)]
    assert json.loads(html_module.unescape(attribute)) == json.loads(chart().as_json())


def test_the_include_escapes_what_it_is_given():
    hostile = chart(title='<img src=x onerror="alert(1)">', categories=["<b>铁东区</b>", "铁西区", "千山区"])
    html = render_to_string("core/chart.html", {"chart": hostile})
    assert "<img" not in html and "<b>" not in html
