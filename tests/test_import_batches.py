"""Imports in batches (issue 11): both importers validate in memory and write in bulk, with a query
count per file that does not grow with its rows; applying refuses, all or nothing, a row that now
conflicts although it passed the check; a large file is checked and applied by a Celery task with
its progress on the preview page, once."""

import datetime
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core.excel import choice_label
from core.excel_import import Progress
from core.models import ImportBatch
from hazards import excel as ledger_excel
from hazards.excel import importer as ledger_importer
from hazards.models import CATEGORIES, DeadlineChange, Hazard, HazardEvent
from institutions import excel as registry_excel
from institutions.models import Institution
from tests.hazards.factories import record
from tests.hazards.test_excel import HEADERS as LEDGER_HEADERS
from tests.hazards.test_excel import ledger, ledger_row
from tests.hazards.test_excel import upload as upload_ledger
from tests.hazards.test_excel import uploaded_batch as uploaded_ledger_batch
from tests.institutions.excel_helpers import code, row, workbook
from tests.institutions.excel_helpers import upload as upload_list
from tests.institutions.excel_helpers import uploaded_batch as uploaded_list_batch
from tests.submissions import with_token

assert LEDGER_HEADERS  # the ledger's columns, as the hazard tests write them


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def hazard_rows(count: int, **values) -> bytes:
    return ledger(*(ledger_row(description=f"第{n}处隐患：疏散通道堆放杂物", **values) for n in range(count)))


def institution_rows(count: int, **values) -> bytes:
    return workbook(*(row(f"铁东区第{n}养老院", credit_code=code(1000 + n), **values) for n in range(count)))


def queries(function, *args, **kwargs) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        outcome = function(*args, **kwargs)
    return len(captured), outcome


# All or nothing, when a problem appears only when applying ----------------------------------------


def test_a_hazard_number_taken_after_the_check_leaves_the_whole_ledger_file_unwritten(world, district):
    """Row 2 is good; row 3 passes the check, then someone records a hazard under row 3's number:
    applying writes neither row and says which row conflicts and why, in Chinese."""
    data = ledger(
        ledger_row(),
        ledger_row(
            code="210302-2026-0050", description="厨房燃气软管老化", category=choice_label(CATEGORIES, "food")
        ),
    )
    batch = ledger_excel.create_batch(file=data, user=district, original_name="台账.xlsx")
    assert batch.errors == [] and batch.summary["counts"]["create"] == 2
    taken = record(
        world.own_institution, district, code="210302-2026-0050", description="配电箱周围堆放可燃物"
    )
    events, history = HazardEvent.objects.count(), Hazard.history.count()

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        ledger_excel.apply_batch(batch, district)
    assert refused.value.code == "problems"
    assert set(Hazard.objects.values_list("pk", flat=True)) == {taken.pk}  # row 2 was not written either
    assert (HazardEvent.objects.count(), Hazard.history.count()) == (events, history)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW
    (problem,) = batch.errors
    assert (problem["row"], problem["field"], problem["code"]) == (3, "code", "changed_since_check")
    assert "210302-2026-0050" in problem["message"]
    with translation.override("zh-hans"):
        expected = ledger_importer.IMPORTER.recorded_since_check % {"what": "210302-2026-0050"}
    assert problem["message"] == expected
    assert refused.value.messages[0] == "检查之后台账发生了变化，发现1个问题，未导入任何数据。问题见下表。"
    assert refused.value.messages[1].startswith("第 3 行“编号”：")


def test_a_credit_code_registered_after_the_check_leaves_the_whole_list_unwritten(world, district, client):
    """Row 2 is good; row 3 passes the check, then someone registers row 3's credit code for
    another institution: applying (through the page) writes neither row and names row 3."""
    client.force_login(district)
    taken_code = code(77)
    data = workbook(
        row("铁东区甲养老院", credit_code=code(76)), row("铁东区乙养老院", credit_code=taken_code)
    )
    batch = uploaded_list_batch(upload_list(client, data))
    assert batch.errors == []
    Institution.objects.create(
        name="铁东区抢先登记养老院",
        region=world.regions["210302"],
        credit_code=taken_code,
        nature="private",
        registration_form="social_organisation",
        filing_status="unfiled",
    )
    history = Institution.history.count()
    response = client.post(
        reverse("institutions:import_apply", args=[batch.pk]), with_token(client), follow=True
    )
    assert response.status_code == 200
    said = [str(message) for message in response.context["messages"]]
    assert any("第 3 行" in text and "统一社会信用代码" in text and taken_code in text for text in said), said
    assert not Institution.objects.filter(name__in=["铁东区甲养老院", "铁东区乙养老院"]).exists()
    assert Institution.history.count() == history
    batch.refresh_from_db()
    assert [(p["row"], p["field"], p["code"]) for p in batch.errors] == [(3, "credit_code", "duplicate_code")]
    assert batch.status == ImportBatch.Status.PREVIEW and batch.failure
    page = client.get(reverse("institutions:import_preview", args=[batch.pk])).content.decode()
    assert 'data-testid="import-failure"' in page and 'data-testid="apply-button"' not in page


def test_an_institution_registered_under_the_rows_name_after_the_check_is_a_conflict(world, district):
    """The row would now update the institution registered meanwhile instead of creating one."""
    batch = registry_excel.create_batch(
        file=workbook(
            row("铁东区甲养老院", credit_code=code(80)), row("铁东区乙养老院", credit_code=code(81))
        ),
        user=district,
    )
    Institution.objects.create(
        name="铁东区乙养老院",
        region=world.regions["210302"],
        nature="private",
        registration_form="unregistered",
        filing_status="unfiled",
    )
    with translation.override("zh-hans"), pytest.raises(ValidationError):
        registry_excel.apply_batch(batch, district)
    batch.refresh_from_db()
    (problem,) = batch.errors
    assert (problem["row"], problem["field"], problem["code"]) == (3, "name", "changed_since_check")
    assert "铁东区乙养老院" in problem["message"]
    assert not Institution.objects.filter(name="铁东区甲养老院").exists()


def test_a_hazard_edited_after_the_check_is_not_overwritten_by_the_import(world, district):
    """The check planned to change the hazard at version 1; someone saved it since: the import would
    undo their edit, so it is refused."""
    existing = record(
        world.own_institution,
        district,
        description="二楼疏散通道堆放杂物",
        found_on=datetime.date(2026, 9, 1),
    )
    batch = ledger_excel.create_batch(
        file=ledger(ledger_row(code=existing.code, measures="新的措施")), user=district
    )
    assert batch.summary["counts"]["update"] == 1
    Hazard.objects.filter(pk=existing.pk).update(version=2, responsible_person="王五")
    with pytest.raises(ValidationError):
        ledger_excel.apply_batch(batch, district)
    existing.refresh_from_db()
    assert existing.measures != "新的措施" and existing.version == 2
    batch.refresh_from_db()
    assert batch.errors[0]["code"] == "changed_since_check"


# Queries per batch, not per row ---------------------------------------------------------------------


@pytest.mark.parametrize("size", [50, 600])
def test_the_ledger_import_takes_a_fixed_number_of_queries_per_batch(world, district, settings, size):
    settings.PORTAL_IMPORT_SYNC_ROWS = 1000
    first = hazard_rows(size)
    checked, batch = queries(ledger_excel.create_batch, file=first, user=district)
    assert batch.summary["counts"]["create"] == size
    applied, _counts = queries(ledger_excel.apply_batch, batch, district)
    batches = -(-size // 500)
    # check: regions, institutions, ledger (3), numbering, file and batch
    assert checked <= 10, checked
    # apply: per 500 rows one INSERT of hazards, of their history rows and of their timeline lines
    assert applied <= 14 + 3 * batches, applied
    assert Hazard.objects.count() == HazardEvent.objects.count() == Hazard.history.count() == size
    codes = sorted(Hazard.objects.values_list("code", flat=True))
    assert codes[0] == "210302-2026-0001" and codes[-1] == f"210302-2026-{size:04d}"

    changed = hazard_rows(size, deadline=datetime.date(2027, 1, 31))
    batch = ledger_excel.create_batch(file=changed, user=district)
    assert batch.summary["counts"]["update"] == size
    applied, _counts = queries(ledger_excel.apply_batch, batch, district)
    # per 500 rows: lock, UPDATE, history rows, deadline changes, timeline lines
    assert applied <= 14 + 5 * batches, applied
    assert DeadlineChange.objects.count() == size
    assert set(Hazard.objects.values_list("version", flat=True)) == {2}


@pytest.mark.parametrize("size", [50, 600])
def test_the_institution_import_takes_a_fixed_number_of_queries_per_batch(world, district, settings, size):
    settings.PORTAL_IMPORT_SYNC_ROWS = 1000
    checked, batch = queries(registry_excel.create_batch, file=institution_rows(size), user=district)
    assert batch.summary["counts"]["create"] == size, batch.errors[:3]
    applied, _counts = queries(registry_excel.apply_batch, batch, district)
    batches = -(-size // 500)
    assert checked <= 8, checked
    assert applied <= 12 + 2 * batches, applied  # per 500 rows: the INSERT and its history rows

    batch = registry_excel.create_batch(file=institution_rows(size, beds=120), user=district)
    assert batch.summary["counts"]["update"] == size
    applied, _counts = queries(registry_excel.apply_batch, batch, district)
    assert applied <= 12 + 3 * batches, applied  # lock, UPDATE, history rows
    assert Institution.history.filter(history_type="~", history_user=district).count() == size
    assert set(Institution.objects.filter(name__startswith="铁东区第").values_list("beds", "version")) == {
        (120, 2)
    }


def test_the_same_number_of_queries_for_50_and_450_rows(world, district, settings):
    """Within one batch of 500 rows the count does not depend on the rows at all."""
    settings.PORTAL_IMPORT_SYNC_ROWS = 1000
    # Warm up what a user's first request loads once (its region, the scope's region ids).
    ledger_excel.apply_batch(ledger_excel.create_batch(file=ledger(ledger_row()), user=district), district)
    counts = []
    for size, prefix in ((50, "甲"), (450, "乙")):
        data = ledger(*(ledger_row(description=f"{prefix}{n}") for n in range(size)))
        checked, batch = queries(ledger_excel.create_batch, file=data, user=district)
        applied, _counts = queries(ledger_excel.apply_batch, batch, district)
        counts.append((checked, applied))
    assert counts[0] == counts[1], counts


def test_new_numbers_continue_after_the_files_own_and_the_ledgers_past_9999(world, district):
    record(world.own_institution, district, code="210302-2026-9999", description="甲")
    data = ledger(
        ledger_row(description="乙"),
        ledger_row(code="210302-2026-10004", description="丙"),
        ledger_row(description="丁", found_on=datetime.date(2025, 3, 1)),
        ledger_row(description="戊"),
    )
    batch = ledger_excel.create_batch(file=data, user=district)
    assert [entry["code"] for entry in batch.summary["plan"]] == [
        "210302-2026-10005",
        "210302-2026-10004",
        "210302-2025-0001",
        "210302-2026-10006",
    ]
    ledger_excel.apply_batch(batch, district)
    assert Hazard.objects.get(description="戊").code == "210302-2026-10006"


# Large files: a Celery task, with progress ----------------------------------------------------------


def test_a_large_upload_is_queued_and_its_preview_polls_a_status_fragment(
    world, district, client, settings, django_capture_on_commit_callbacks
):
    """Without a worker in this test: the upload is kept as queued (its rows counted from the sheet's
    recorded used range, header included, until the check reads them) and the page shows the progress, which htmx fetches every second; a GET writes nothing."""
    settings.PORTAL_IMPORT_SYNC_ROWS = 2
    client.force_login(district)
    sent = []
    from core import import_tasks

    original = import_tasks.check_import.apply_async
    import_tasks.check_import.apply_async = lambda *args, **kwargs: sent.append((args, kwargs))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = upload_ledger(client, hazard_rows(3))
    finally:
        import_tasks.check_import.apply_async = original
    batch = uploaded_ledger_batch(response)
    assert (batch.state, batch.row_count, batch.errors) == (ImportBatch.State.QUEUED, 4, [])
    assert sent == [((), {"args": [batch.pk], "task_id": batch.task_id})]  # sent after the commit
    page = client.get(reverse("hazards:import_preview", args=[batch.pk])).content.decode()
    status_url = reverse("hazards:import_preview", args=[batch.pk]) + "?fragment=status"
    assert 'data-testid="import-status"' in page and f'hx-get="{status_url}"' in page
    assert 'hx-trigger="every 1s"' in page and 'data-testid="apply-button"' not in page
    fragment = client.get(status_url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and 'data-state="queued"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    # The apply is refused while the check is waiting.
    response = client.post(reverse("hazards:import_apply", args=[batch.pk]), with_token(client), follow=True)
    assert not Hazard.objects.exists()
    # Once the check has run, the fragment reloads the page.
    ledger_importer.IMPORTER.run_check(batch.pk)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.CHECKED and batch.summary["counts"]["create"] == 3
    assert batch.row_count == 3
    fragment = client.get(status_url, HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"
    # A repeated check task finds the batch taken and does nothing.
    ledger_importer.IMPORTER.run_check(batch.pk)
    ledger_importer.IMPORTER.run_apply(batch.pk, batch.task_id)
    assert not Hazard.objects.exists()


def test_the_polling_fragment_after_the_session_ended_takes_the_page_to_the_login(world, district, client):
    batch = registry_excel.create_batch(file=workbook(row()), user=district)
    url = reverse("institutions:import_preview", args=[batch.pk]) + "?fragment=status"
    response = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=url)
    assert response.status_code == 200 and reverse("accounts:login") in response["HX-Redirect"]


def test_eager_tasks_check_and_apply_a_large_file_in_the_request(
    world, district, client, settings, django_capture_on_commit_callbacks
):
    """make run: Celery eager on the demo database — the tasks run in the request after its commit."""
    from config.celery import app

    settings.PORTAL_IMPORT_SYNC_ROWS = 2
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        client.force_login(district)
        with django_capture_on_commit_callbacks(execute=True):
            batch = uploaded_list_batch(upload_list(client, institution_rows(4)))
        batch.refresh_from_db()
        assert batch.state == ImportBatch.State.CHECKED
        assert batch.summary["counts"]["create"] == 4
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("institutions:import_apply", args=[batch.pk]), with_token(client))
        assert response["Location"] == reverse("institutions:import_preview", args=[batch.pk])
    finally:
        app.conf.task_always_eager = eager
    batch.refresh_from_db()
    assert (batch.state, batch.status) == (ImportBatch.State.APPLIED, ImportBatch.Status.APPLIED)
    assert Institution.objects.filter(name__startswith="铁东区第").count() == 4
    page = client.get(reverse("institutions:import_preview", args=[batch.pk])).content.decode()
    assert 'data-testid="import-applied"' in page


def wait_for(batch: ImportBatch, *states, seconds=60) -> list[int]:
    """Poll the batch until it reaches one of `states`; the progress values seen on the way."""
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        seen.append(batch.progress)
        if batch.state in states:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"batch {batch.pk} still {batch.state} after {seconds} s: {batch.failure}")


@pytest.mark.django_db(transaction=True)
def test_a_worker_checks_and_applies_a_large_ledger_once(celery_worker, world, district, client, settings):
    settings.PORTAL_IMPORT_SYNC_ROWS = 300
    client.force_login(district)
    started = time.monotonic()
    response = upload_ledger(client, hazard_rows(700))
    assert time.monotonic() - started < 5
    batch = uploaded_ledger_batch(response)
    assert batch.state in (ImportBatch.State.QUEUED, ImportBatch.State.CHECKING, ImportBatch.State.CHECKED)
    wait_for(batch, ImportBatch.State.CHECKED, ImportBatch.State.FAILED)
    assert batch.state == ImportBatch.State.CHECKED, batch.failure
    assert batch.summary["counts"]["create"] == 700 and not Hazard.objects.exists()

    apply_url = reverse("hazards:import_apply", args=[batch.pk])
    started = time.monotonic()
    first = client.post(apply_url, with_token(client))
    second = client.post(apply_url, with_token(client), follow=True)  # another click, another token
    assert time.monotonic() - started < 5
    assert first["Location"] == reverse("hazards:import_preview", args=[batch.pk])
    refusals = {
        translation.gettext("This file is being imported already."),
        translation.gettext("This file has been imported already."),
    }
    assert refusals & {str(m) for m in second.context["messages"]}
    seen = wait_for(batch, ImportBatch.State.APPLIED, ImportBatch.State.CHECKED, ImportBatch.State.FAILED)
    assert batch.state == ImportBatch.State.APPLIED, (batch.failure, batch.errors[:3])
    assert batch.progress == batch.total
    assert seen == sorted(seen)
    assert Hazard.objects.count() == HazardEvent.objects.count() == 700
    assert Hazard.history.count() == 700
    # The task again (a redelivered message) finds the batch applied.
    ledger_importer.IMPORTER.run_apply(batch.pk, batch.task_id)
    assert Hazard.objects.count() == 700
    page = client.get(reverse("hazards:import_preview", args=[batch.pk])).content.decode()
    assert 'data-testid="import-applied"' in page and 'data-testid="import-status"' not in page


@pytest.mark.django_db(transaction=True)
def test_a_worker_apply_refuses_a_conflict_all_or_nothing(celery_worker, world, district, client, settings):
    settings.PORTAL_IMPORT_SYNC_ROWS = 300
    client.force_login(district)
    data = workbook(*(row(f"铁东区第{n}养老院", credit_code=code(2000 + n)) for n in range(320)))
    batch = uploaded_list_batch(upload_list(client, data))
    wait_for(batch, ImportBatch.State.CHECKED, ImportBatch.State.FAILED)
    assert batch.errors == [] and batch.summary["counts"]["create"] == 320
    Institution.objects.create(
        name="铁东区抢先登记养老院",
        region=world.regions["210302"],
        credit_code=code(2000 + 319),
        nature="private",
        registration_form="social_organisation",
        filing_status="unfiled",
    )
    client.post(reverse("institutions:import_apply", args=[batch.pk]), with_token(client))
    wait_for(batch, ImportBatch.State.CHECKED, ImportBatch.State.FAILED, ImportBatch.State.APPLIED)
    assert batch.state == ImportBatch.State.CHECKED and batch.status == ImportBatch.Status.PREVIEW
    assert [(p["row"], p["field"]) for p in batch.errors] == [(321, "credit_code")]
    assert not Institution.objects.filter(name__startswith="铁东区第").exists()
    page = client.get(reverse("institutions:import_preview", args=[batch.pk])).content.decode()
    assert 'data-testid="import-failure"' in page and 'data-row="321"' in page


@pytest.mark.django_db(transaction=True)
def test_progress_is_written_every_so_many_rows_and_seen_from_inside_a_transaction(world, district):
    from django.db import transaction

    batch = registry_excel.create_batch(file=workbook(row()), user=district)
    progress = Progress(batch.pk, 1000, steps=2, every=250)
    for done in range(1001):
        progress(done)
    batch.refresh_from_db()
    assert (batch.progress, batch.total) == (1000, 2000)
    progress.next_step()
    with transaction.atomic():  # applying: the progress commits on its own connection
        Institution.objects.filter(pk=-1).update(beds=1)
        progress(500)
        outside = ImportBatch.objects.filter(pk=batch.pk).values_list("progress", flat=True)
        assert list(outside) == [1500]
    progress.close()


def _queued_upload(client, data, django_capture_on_commit_callbacks):
    from core import import_tasks

    sent, original = [], import_tasks.check_import.apply_async
    import_tasks.check_import.apply_async = lambda *args, **kwargs: sent.append(args)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            return uploaded_ledger_batch(upload_ledger(client, data)), sent
    finally:
        import_tasks.check_import.apply_async = original


def _without_dimension(data: bytes) -> bytes:
    """The workbook with its sheets' <dimension> removed (some writers record none)."""
    import io
    import re
    import zipfile

    source, output = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb"<dimension [^>]*/>", b"", content)
            target.writestr(item, content)
    return output.getvalue()


def test_a_small_file_whose_sheet_claims_many_rows_is_checked_by_the_task_and_counted_right(
    world, district, client, settings, django_capture_on_commit_callbacks
):
    """A template formatted far down records a used range of thousands of rows: the upload is then
    handed to the task unread, which counts the rows that hold data."""
    import io

    from openpyxl import load_workbook
    from openpyxl.styles import Font

    settings.PORTAL_IMPORT_SYNC_ROWS = 300
    book = load_workbook(io.BytesIO(hazard_rows(2)))
    book.active.cell(row=2000, column=3).font = Font(bold=True)  # formatted, empty
    output = io.BytesIO()
    book.save(output)
    client.force_login(district)
    batch, sent = _queued_upload(client, output.getvalue(), django_capture_on_commit_callbacks)
    assert (batch.state, batch.row_count, len(sent)) == (ImportBatch.State.QUEUED, 2000, 1)
    ledger_importer.IMPORTER.run_check(batch.pk)
    batch.refresh_from_db()
    assert (batch.state, batch.row_count, batch.summary["counts"]["create"]) == (
        ImportBatch.State.CHECKED,
        2,
        2,
    )
    # 2 rows: applied in the request, as any small file
    response = client.post(reverse("hazards:import_apply", args=[batch.pk]), with_token(client))
    assert response.status_code == 302 and Hazard.objects.count() == 2


@pytest.mark.parametrize("rows, state", [(2, ImportBatch.State.CHECKED), (4, ImportBatch.State.QUEUED)])
def test_a_file_recording_no_used_range_is_read_in_the_request(
    world, district, client, settings, django_capture_on_commit_callbacks, rows, state
):
    settings.PORTAL_IMPORT_SYNC_ROWS = 3
    client.force_login(district)
    batch, sent = _queued_upload(
        client, _without_dimension(hazard_rows(rows)), django_capture_on_commit_callbacks
    )
    assert (batch.state, batch.row_count, len(sent)) == (state, rows, int(state == ImportBatch.State.QUEUED))
