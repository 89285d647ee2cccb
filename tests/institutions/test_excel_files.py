"""Files that cannot be imported get a clear answer, and the import pages."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from core.models import ImportBatch
from institutions import excel
from institutions.excel.importer import OPTIONAL_FIELDS
from tests.institutions.excel_helpers import (
    HEADERS,
    code,
    row,
    upload,
    workbook,
)
from tests.submissions import with_token

# Files that are not what they should be -------------------------------------------------------------


def ten_thousand_rows() -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(excel.SHEET)
    sheet.append(HEADERS)
    for n in range(10_000):
        sheet.append([f"养老院{n}"])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def empty_workbook() -> bytes:
    output = io.BytesIO()
    Workbook().save(output)
    return output.getvalue()


def zip_without_workbook() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return output.getvalue()


GARBAGE = {
    "not_a_workbook": (lambda: b"%PDF-1.4 not a spreadsheet", "not_xlsx"),
    "renamed_text_file": (lambda: "机构名称,所属区域\n甲,铁东区\n".encode(), "not_xlsx"),
    "zip_that_is_no_workbook": (zip_without_workbook, "not_xlsx"),
    "damaged_workbook": (lambda: workbook(row())[:3000], "not_xlsx"),
    "old_xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "xls"),
    "empty_workbook": (empty_workbook, "empty"),
    "headers_only": (lambda: workbook(), "no_rows"),
    "wrong_headers": (lambda: workbook(row(), headers=[*HEADERS[:-2], "备注"]), "headers"),
    "ten_thousand_rows": (ten_thousand_rows, "too_many_rows"),
}


@pytest.mark.parametrize("case", sorted(GARBAGE))
def test_a_file_that_cannot_be_imported_gets_a_clear_answer(client, world, district, case):
    make, expected_code = GARBAGE[case]
    data = make()
    with pytest.raises(excel.WorkbookError) as refused:
        excel.check_workbook(data, district)
    assert refused.value.code == expected_code

    client.force_login(district)
    response = upload(client, data, name="名单.xlsx")
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors == refused.value.messages
    assert 'data-testid="upload-errors"' in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_wrong_headers_are_named(world, district):
    # The last columns of the template are optional ones (an older template lacks them): never named.
    optional = [excel.BY_FIELD[name].header for name in OPTIONAL_FIELDS]
    required = [header for header in HEADERS if header not in optional]
    with pytest.raises(excel.WorkbookError) as refused:
        excel.check_workbook(workbook(row(), headers=[*required[:-2], "备注"]), district)
    message = refused.value.messages[0]
    assert required[-1] in message and required[-2] in message and "备注" in message
    assert not any(header in message for header in optional)


def test_ten_thousand_rows_are_counted_in_the_answer(world, district):
    with pytest.raises(excel.WorkbookError) as refused:
        excel.check_workbook(ten_thousand_rows(), district)
    expected = translation.gettext(
        "The file has %(rows)s rows of data, more than the %(max)s rows one import can take. "
        "Split it into several files."
    ) % {"rows": 10000, "max": 5000}
    assert refused.value.messages == [expected]


def test_a_file_over_the_size_limit_is_refused_before_reading(client, world, district, settings):
    settings.PORTAL_IMPORT_MAX_BYTES = 1024
    client.force_login(district)
    response = upload(client, workbook(row()))
    assert response.status_code == 200
    assert (
        response.context["form"]
        .errors["file"][0]
        .startswith(
            translation.gettext(
                "The file is %(size)s MB, more than the %(max)s MB one import can take."
            ).split("%")[0]
        )
    )
    assert not ImportBatch.objects.exists()


def test_an_upload_without_a_file_is_a_form_error(client, district):
    client.force_login(district)
    response = client.post(reverse("institutions:import"), with_token(client, {}))
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


# Pages --------------------------------------------------------------------------------------------


def test_upload_page_links_to_the_template_and_back_to_the_registry(client, district):
    client.force_login(district)
    html = client.get(reverse("institutions:import")).content.decode()
    assert reverse("institutions:import_template") in html
    assert reverse("institutions:list") in html
    assert 'enctype="multipart/form-data"' in html


def test_preview_queries_do_not_grow_with_the_rows(client, world, district, django_assert_max_num_queries):
    client.force_login(district)
    rows = [row(f"铁东区第{n}养老院", credit_code="bad") for n in range(60)]
    rows += [row(f"铁东区好{n}养老院", credit_code=code(100 + n)) for n in range(60)]
    bad = excel.create_batch(file=workbook(*rows), user=district)
    good = excel.create_batch(file=workbook(*rows[60:]), user=district)
    assert len(bad.errors) == 60 and len(good.summary["plan"]) == 60
    for batch in (bad, good):
        with django_assert_max_num_queries(10):  # +2: the header's review queues (dashboards.queues)
            response = client.get(reverse("institutions:import_preview", args=[batch.pk]))
        assert response.status_code == 200
