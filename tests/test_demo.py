"""`manage.py load_demo`, as `make run` calls it: the whole demo city, loaded twice."""

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.urls import reverse

from accounts.models import User
from campaign.models import ItemAnswer
from core.models import Evidence
from disclosure.models import Publication
from hazards.models import DeadlineChange, Hazard, HazardEvent, Referral
from inspections.models import Finding, Inspection
from institutions.models import Institution, SelfReport
from reports.models import SummaryReport


def _counts():
    return (
        Institution.objects.count(),
        User.objects.count(),
        SelfReport.objects.count(),
        Publication.objects.count(),
        ItemAnswer.objects.count(),
        SummaryReport.objects.count(),
        Hazard.objects.count(),
        Hazard.history.count(),
        HazardEvent.objects.count(),
        Referral.objects.count(),
        DeadlineChange.objects.count(),
        Evidence.objects.count(),
        Inspection.objects.count(),
        Finding.objects.count(),
    )


@pytest.mark.long
def test_the_demo_loads_twice_without_changes_and_fills_the_public_pages(db, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = _counts()
    # no hazard shows the same after photo twice (issue 15 item 6); those rectified again after a
    # return do hold two different ones
    after = Evidence.objects.live().filter(purpose="after")
    twice = after.values("owner_type", "owner_id", "sha256").annotate(n=Count("pk")).filter(n__gt=1)
    assert list(twice) == []
    assert after.values("owner_id").annotate(n=Count("pk")).filter(n=2).exists()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _counts() == counts
    assert Hazard.objects.filter(~Q(code__regex=r"^2103\d\d(-Z01)?-\d{4}-\d{4}$")).count() == 0
    assert counts[0] == 64 and counts[3] == 6  # Anshan's 60 and 辽阳市's 4
    # 铁东区's three inspection records (README's tour): a concluded 双随机 one with its hazard, an open
    # one to try, and 康乐's concluded result for its user
    records = {(i.kind, bool(i.concluded_on)) for i in Inspection.objects.filter(region__code="210302")}
    assert records == {("random", True), ("special", False), ("routine", True)}
    assert Finding.objects.filter(hazard__isnull=False, inspection__kind="random").count() == 1
    kangle = User.objects.get(username="kangle")
    # its 日常检查 (合格); the draw may also have drawn 康乐 (the drawn set follows the ids it saw)
    assert Inspection.objects.visible_to(kangle).get(kind="routine").conclusion == "qualified"
    # the province user sees both cities (issue 13)
    province = User.objects.get(username="province")
    assert province.region.code == "210000"
    assert set(Institution.objects.visible_to(province).values_list("region__parent__code", flat=True)) == {
        "210300",
        "211000",
    }
    # the checklist shows every status: 铁东区 submitted and draft, 海城市 accepted and returned
    assert set(ItemAnswer.objects.values_list("status", flat=True)) == {
        "draft",
        "submitted",
        "accepted",
        "returned",
    }
    assert counts[4:6] == (7, 1)
    body = client.get(reverse("disclosure:region", kwargs={"code": "210381"})).content.decode()
    assert "海城市中心敬老院" in body and "海城市关于加快发展养老服务业的实施意见" in body
    response = client.post(reverse("accounts:login"), {"username": "tiedong", "password": "Anshan-2020"})
    assert response.status_code == 302  # the README's demo password works
    # issue 17: every card of 综合监管 has a record of 铁东区 to open, loaded once
    from complaints.models import Complaint
    from fireacceptance.models import Case
    from licences.services import counts_for as licence_counts
    from staff.services import counts_for as staff_counts
    from trainings.models import Training

    tiedong = User.objects.get(username="tiedong")
    assert Complaint.objects.visible_to(tiedong).count() == 2
    assert licence_counts(tiedong) == {"expiring": 1, "expired": 1}
    staff = staff_counts(tiedong)
    assert (staff["banned_on_staff"], staff["qualifications_missing"], staff["qualifications_expiring"]) == (
        1,
        1,
        1,
    )
    assert Training.objects.visible_to(tiedong).count() == 1 and Case.objects.visible_to(tiedong).count() == 1
    page = client.get(reverse("inspections:objects")).content.decode()
    assert "铁东区祥和养老院" in page and 'data-testid="suspension-badge"' in page
