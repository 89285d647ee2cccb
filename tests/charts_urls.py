"""A test-only page with charts (tests/test_charts_browser.py, `pytest.mark.urls`): the portal's
URLs (base.html's {% url %} tags resolve) plus a page extending base.html with three charts, an
htmx fragment with a fourth, and the pages the bars link to."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config import urls as portal_urls
from core.charts import Chart, Series

DISTRICTS = [
    ("210302", "铁东区"),
    ("210303", "铁西区"),
    ("210304", "立山区"),
    ("210311", "千山区"),
    ("210381", "海城市"),
    ("210321", "台安县"),
    ("210323", "岫岩满族自治县"),
]


def charts() -> list[Chart]:
    return [
        Chart(
            id="hazards-by-district",
            kind="stacked_bar",
            title="各区县安全隐患整改情况",
            categories=[name for _code, name in DISTRICTS],
            series=[
                Series("未整改", [12, 3, 5, 0, 8, 2, 1], stack="hazards"),
                Series("已整改", [30, 21, 17, 9, 26, 11, 6], stack="hazards"),
            ],
            unit="项",
            links=[f"/charts-test/region/{code}/" for code, _name in DISTRICTS],
            category_label="地区",
            note="数据截至 2026-11-23",
        ),
        Chart(
            id="institutions-by-nature",
            kind="bar",
            title="养老机构按性质分布",
            categories=["公办", "公建民营", "民办", "其他"],
            series=[Series("机构数", [12, 7, 25, None]), Series("达标数", [10, 6, 19, None])],
            unit="家",
            links=[
                "/charts-test/nature/public/",
                "/charts-test/nature/mixed/",
                "/charts-test/nature/private/",
                None,
            ],
        ),
        Chart(
            id="inspections-by-month",
            kind="line",
            title="2026年每月检查次数",
            categories=[f"{month}月" for month in range(1, 13)],
            series=[
                Series("日常检查", [14, 9, 22, 18, 25, 27, 19, 16, 30, 28, 24, None]),
                Series("专项检查", [2, 1, 5, 4, 6, 3, 2, 2, 7, 9, 5, None]),
            ],
            unit="次",
        ),
    ]


PAGE = """{% extends "base.html" %}{% load static %}
{% block title %}图表{% endblock %}
{% block content %}
<h1 class="h4 mb-3">图表</h1>
<div class="row">
  {% for chart in charts %}<div class="col-12 col-lg-6">{% include "core/chart.html" with chart=chart %}</div>{% endfor %}
</div>
<button type="button" class="btn btn-outline-primary mb-3" hx-get="/charts-test/fragment/" hx-target="#slot"
        data-testid="load-fragment">载入</button>
<div id="slot"></div>
{% endblock %}
{% block extra_js %}<script src="{% static 'vendor/echarts/echarts.min.js' %}"></script>
<script src="{% static 'js/charts.js' %}"></script>{% endblock %}
"""

FRAGMENT = """{% include "core/chart.html" with chart=chart %}"""


def page(request):
    return HttpResponse(engines["django"].from_string(PAGE).render({"charts": charts()}, request))


def fragment(request):
    chart = Chart(
        id="swapped-in",
        kind="bar",
        title="每季度检查次数",
        categories=["一季度", "二季度"],
        series=[Series("检查次数", [45, 70])],
        unit="次",
    )
    return HttpResponse(engines["django"].from_string(FRAGMENT).render({"chart": chart}, request))


def target(request, kind, key):
    return HttpResponse(
        f"<!DOCTYPE html><title>{kind} {key}</title><h1 data-testid='target'>{kind} {key}</h1>"
    )


urlpatterns = [
    path("charts-test/", page),
    path("charts-test/fragment/", fragment),
    path("charts-test/<str:kind>/<str:key>/", target),
    *portal_urls.urlpatterns,
]
handler403 = portal_urls.handler403
handler404 = portal_urls.handler404
handler500 = portal_urls.handler500
