"""Reconciliation with the national export: dry run counts, scoping, decisions, tolerance, bad files."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.excel import WorkbookError
from institutions.models import Institution
from national import services
from national.models import LastReconciliation, ReconciliationRow, ReconciliationRun
from tests.national.factories import HEADERS, export_bytes, export_rows, registry
from tests.submissions import with_token

pytestmark = pytest.mark.django_db
Kind = ReconciliationRow.Kind


def run_for(user, data, **tolerance):
    return services.dry_run(
        file=data, user=user, tolerance=services.Tolerance(**tolerance), file_name="export.xlsx"
    )


@pytest.fixture
def made(world):
    return registry(world)


@pytest.fixture
def city_run(world, made):
    return run_for(world.users["city"], export_bytes(export_rows(made, world)))


def test_city_dry_run_counts_and_changes_nothing(world, made, city_run):
    before = list(Institution.objects.values_list("pk", "version"))
    counts = city_run.counts
    # 同样 (unchanged), 床位 (differs), 按名 (matched by name: the legal code differs), 铁西 (differs)
    assert counts == {
        "create": 1,
        "update": 3,
        "unchanged": 1,
        "conflict": 0,
        # 缺失, and the world's two institutions without a national row
        "missing": 3,
        "outside": 1,
    }
    assert list(Institution.objects.values_list("pk", "version")) == before
    beds_row = city_run.rows.get(institution=made["beds"])
    assert {d["field"] for d in beds_row.differences} == {"filing", "beds"}
    byname = city_run.rows.get(institution=made["byname"])
    assert [d["field"] for d in byname.differences] == ["legal_code"]
    assert LastReconciliation.objects.filter(institution=made["same"], run=city_run).exists()
    assert not LastReconciliation.objects.filter(institution=made["missing"]).exists()


def test_district_run_sees_only_its_scope(world, made):
    run = run_for(world.users["district"], export_bytes(export_rows(made, world)))
    assert run.counts["outside"] == 2  # 铁西区 and 大连 rows, not named
    assert not run.rows.filter(region=world.regions["210303"]).exists()


def test_conflict_when_code_and_name_point_at_two_institutions(world, made):
    rows = export_rows(made, world)
    rows[2][1] = made["same"].credit_code  # 按名's name with 同样's code
    run = run_for(world.users["city"], export_bytes(rows))
    conflicts = run.rows.filter(kind=Kind.CONFLICT)
    assert [r.row_number for r in conflicts] == [5]  # a title row, the header, then the data
    assert run.counts["conflict"] == 1
    # the conflict's candidates are not counted missing
    assert not run.rows.filter(kind=Kind.MISSING, institution=made["byname"]).exists()


def test_duplicate_new_rows_are_conflicts(world, made):
    rows = export_rows(made, world)
    rows.append(list(rows[3]))
    run = run_for(world.users["city"], export_bytes(rows))
    assert run.counts["create"] == 0
    assert "6、9" in run.rows.filter(kind=Kind.CONFLICT).first().note


def test_tolerance_on_beds_and_area_granularity(world, made):
    data = export_bytes(export_rows(made, world))
    loose = run_for(world.users["district"], data, beds=10)
    row = loose.rows.get(institution=made["beds"])
    assert [d["field"] for d in row.differences] == ["filing"]
    assert (loose.beds_tolerance, loose.ignore_area_granularity) == (10, True)
    strict = run_for(world.users["district"], data, beds_percent=5, ignore_area_granularity=False)
    row = strict.rows.get(institution=made["beds"])
    assert [d["field"] for d in row.differences] == ["filing", "beds", "area_code"]


def test_adopt_applies_once_and_writes_history(world, made, city_run):
    district = world.users["district"]
    row = city_run.rows.get(institution=made["beds"])
    row.differences = [d for d in row.differences if d["field"] == "beds"]
    row.save()
    services.adopt(row=row, by=district)
    institution = Institution.objects.get(pk=made["beds"].pk)
    assert institution.beds == made["beds"].beds + 10
    last = institution.history.first()
    assert last.history_user == district and "export.xlsx" in last.history_change_reason
    with pytest.raises(ValidationError) as repeated:
        services.adopt(row=row, by=district)
    assert repeated.value.code == "decided"
    assert Institution.objects.get(pk=institution.pk).version == institution.version
    assert LastReconciliation.objects.get(institution=institution).confirmed_at is not None


def test_adopting_filed_without_date_is_refused_in_chinese(world, made, city_run):
    unfiled = made["byname"]
    row = city_run.rows.get(institution=unfiled)
    row.differences = [{"field": "filing", "registry": "unfiled", "national": "filed"}]
    row.save()
    Institution.objects.filter(pk=unfiled.pk).update(filing_status="unfiled", filed_on=None)
    with pytest.raises(ValidationError) as refused:
        services.adopt(row=row, by=world.users["district"])
    assert refused.value.code == "filed_on"


def test_concurrent_edit_is_refused(world, made, city_run):
    row = city_run.rows.get(institution=made["beds"])
    Institution.objects.filter(pk=made["beds"].pk).update(version=row.institution_version + 1)
    with pytest.raises(ValidationError) as refused:
        services.adopt(row=row, by=world.users["district"])
    assert refused.value.code == "concurrent_edit"
    assert ReconciliationRow.objects.get(pk=row.pk).state == ReconciliationRow.State.OPEN


def test_only_the_rows_district_decides(world, made, city_run):
    row = city_run.rows.get(institution=made["tiexi"])
    for user in (world.users["district"], world.users["city"]):
        with pytest.raises(PermissionDenied):
            services.mark_national_to_fix(row=row, by=user)
    services.mark_national_to_fix(row=row, by=world.users["other_district"])
    assert ReconciliationRow.objects.get(pk=row.pk).state == ReconciliationRow.State.NATIONAL_TO_FIX
    assert Institution.objects.get(pk=made["tiexi"].pk).operating_status == "operating"


def test_pages_scope_and_htmx_decision(client, world, made, city_run):
    client.force_login(world.users["district"])
    page = client.get(reverse("national:pending", args=[city_run.pk]) + "?show=all")
    body = page.content.decode()
    assert "铁东区床位养老院" in body and "铁西区差异养老院" not in body
    assert "铁东区新增养老院" in body and "中山区外地养老院" not in body
    foreign_row = city_run.rows.get(institution=made["tiexi"])
    url = reverse("national:decide", args=[foreign_row.pk, "national"])
    assert client.post(url, with_token(client)).status_code == 404
    row = city_run.rows.get(institution=made["beds"])
    row.differences = [d for d in row.differences if d["field"] == "beds"]
    row.save()
    answer = client.post(
        reverse("national:decide", args=[row.pk, "adopt"]), with_token(client), HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200 and 'data-state="adopted"' in answer.content.decode()
    client.force_login(world.users["city"])
    city_page = client.get(reverse("national:pending", args=[city_run.pk]))
    assert "铁西区差异养老院" in city_page.content.decode()
    assert "national-adopt" not in city_page.content.decode()  # the city reads


def test_upload_page_runs_and_redirects(client, world, made):
    client.force_login(world.users["district"])
    upload = SimpleUploadedFile("金民导出.xlsx", export_bytes(export_rows(made, world)))
    answer = client.post(
        reverse("national:index"),
        with_token(client, {"file": upload, "beds_tolerance": "0", "ignore_area_granularity": "on"}),
    )
    run = ReconciliationRun.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("national:run", args=[run.pk])
    assert run.file_name == "金民导出.xlsx"
    page = client.get(answer["Location"]).content.decode()
    assert "铁东区" in page


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda rows: rows[1].__setitem__(4, "十张"), ("4", "床位总数", "十张")),
        (lambda rows: rows[0].__setitem__(1, "91210302ABC"), ("3", "社会信用代码", "18")),
        (lambda rows: rows[2].__setitem__(2, "铁东"), ("5", "所在地区", "铁东")),
        (lambda rows: rows[3].__setitem__(3, "备了"), ("6", "是否备案", "备了")),
    ],
)
def test_bad_cells_name_row_and_column(client, world, made, change, expected):
    rows = export_rows(made, world)
    change(rows)
    client.force_login(world.users["district"])
    upload = SimpleUploadedFile("bad.xlsx", export_bytes(rows))
    answer = client.post(reverse("national:index"), with_token(client, {"file": upload}))
    assert answer.status_code == 200
    problems = answer.context["problems"]
    assert len(problems) == 1
    row, column, value = expected
    assert f"{row}" in problems[0] and f"“{column}”" in problems[0] and value in problems[0]
    assert not ReconciliationRun.objects.exists()


def test_not_xlsx_and_missing_column(world, made):
    with pytest.raises(WorkbookError, match="xlsx"):
        run_for(world.users["district"], b"name,code\n")
    headers = [h for h in HEADERS if h != "社会信用代码"]
    rows = [r[:1] + r[2:] for r in export_rows(made, world)]
    with pytest.raises(WorkbookError, match="统一社会信用代码"):
        run_for(world.users["district"], export_bytes(rows, headers=headers))


def test_template_downloads_and_reads_back(client, world):
    client.force_login(world.users["city"])
    answer = client.get(reverse("national:template"))
    assert answer.status_code == 200
    rows = services.read_export(answer.content)
    assert rows[0].values["name"] == "铁东区示例养老院" and rows[0].values["beds"] == 120


@pytest.mark.parametrize("extra", [0, 8])
def test_pending_list_constant_queries(client, world, extra, django_assert_num_queries):
    made = registry(world, extra=extra)
    run = run_for(world.users["city"], export_bytes(export_rows(made, world, extra=extra)))
    client.force_login(world.users["district"])
    url = reverse("national:pending", args=[run.pk]) + "?show=all"
    client.get(url)
    with django_assert_num_queries(QUERIES):
        assert client.get(url).status_code == 200


QUERIES = 10
