"""The acceptance materials page (`reports:workbook`, issue 14): for the measuring date chosen, each
region's workbook with its other printed outputs beside it — a unit's acceptance report (PDF), the
city's summary report (PDF) and official document (.docx) — and every link opens its output."""

import re

import pytest
from django.urls import reverse


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def links(body: str, testid: str) -> list[str]:
    return [url.replace("&amp;", "&") for url in re.findall(rf'href="([^"]+)" data-testid="{testid}"', body)]


def test_the_city_gets_every_output_for_the_date(client, world):
    client.force_login(world.users["city"])
    body = client.get(reverse("reports:workbook"), {"as_of": "2020-10-31"}).content.decode()
    acceptance, summary, docx = (links(body, t) for t in ("acceptance-link", "summary-pdf-link", "docx-link"))
    units = world.regions
    assert reverse("reports:pdf_unit", args=[units["210302"].pk]) + "?as_of=2020-10-31" in acceptance
    assert len(summary) == 1 and len(docx) == 1
    assert all("as_of=2020-10-31" in url for url in acceptance + summary + docx)
    for url in (acceptance[0], docx[0]):
        assert client.get(url).status_code == 200, url


def test_a_district_gets_its_own_workbook_and_acceptance_report_only(client, world):
    client.force_login(world.users["district"])
    body = client.get(reverse("reports:workbook")).content.decode()
    acceptance = links(body, "acceptance-link")
    assert acceptance == [reverse("reports:pdf_unit", args=[world.regions["210302"].pk])]
    assert not links(body, "summary-pdf-link") and not links(body, "docx-link")
    response = client.get(acceptance[0])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_dashboard_offers_the_materials_for_its_date(client, world):
    """City and district staff reach the page from their dashboard (the header has no room for
    another menu entry at 1280 px), with the dashboard's measuring date; other homes have no link."""
    for who, shown in (("city", True), ("district", True), ("institution", False), ("department", False)):
        client.force_login(world.users[who])
        body = client.get(reverse("core:home"), {"as_of": "2020-10-31"}).content.decode()
        assert (f'href="{reverse("reports:workbook")}?as_of=2020-10-31"' in body) == shown, who
