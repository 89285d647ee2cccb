"""一事一议 cases for tests (written directly: any region, any date)."""

from fireacceptance.models import Case


def case(institution, by, **fields):
    values = {"problem": "利用厂房改建，因土地规划手续未办理未能通过消防审验", **fields}
    return Case.objects.create(institution=institution, region=institution.region, created_by=by, **values)
