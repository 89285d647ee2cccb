"""Building and reading workbooks for the Excel tests."""

import datetime
import io
import random
import re
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.models import ImportBatch
from institutions import excel, uscc
from institutions.models import (
    FilingStatus,
    Nature,
    RegistrationForm,
)
from tests.submissions import with_token

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = [column.field for column in excel.COLUMNS]
HEADERS = [column.header for column in excel.COLUMNS]


def code(n: int, division: str = "210302") -> str:
    return uscc.generate(division=division, rng=random.Random(n))


def numeric_code() -> str:
    """A valid code of 18 digits, as Excel holds it in a number-formatted cell."""
    rng = random.Random(7)
    while True:
        candidate = uscc.generate(division="210302", body="".join(rng.choices("0123456789", k=9)))
        if candidate.isdigit():
            return candidate


def with_exact_number(data: bytes, cell: str, digits: str) -> bytes:
    """The workbook with an 18-digit integer in `cell`, as some writers (not openpyxl, which writes
    a float) store a number-formatted code."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(
                    rf'<c r="{cell}" t="n"><v>[^<]*</v>'.encode(),
                    f'<c r="{cell}" t="n"><v>{digits}</v>'.encode(),
                    content,
                )
            target.writestr(item, content)
    return output.getvalue()


def label(choices, value) -> str:
    return excel.choice_label(choices, value)


def row(name="铁东区阳光养老院", **values) -> dict:
    """A valid private care home of 铁东区, as the cells of one row."""
    cells = {
        "name": name,
        "credit_code": code(zlib.crc32(name.encode())),
        "region": "铁东区",
        "nature": label(Nature, Nature.PRIVATE),
        "registration_form": label(RegistrationForm, RegistrationForm.SOCIAL_ORGANISATION),
        "filing_status": label(FilingStatus, FilingStatus.FILED),
        "filed_on": datetime.date(2020, 5, 1),
        "beds": 100,
        "nursing_beds": 40,
        "residents": 60,
        "disabled_residents": 10,
        "semi_disabled_residents": 10,
    }
    cells.update(values)
    return cells


def workbook(*rows: dict, headers=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = excel.SHEET
    sheet.append(headers or HEADERS)
    for cells in rows:
        sheet.append([cells.get(name) for name in FIELDS])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def problems_by_place(result) -> dict:
    return {(problem["row"], problem["field"]): problem for problem in result.problems}


def upload(client, data: bytes, name="机构名单.xlsx"):
    return client.post(
        reverse("institutions:import"),
        with_token(client, {"file": SimpleUploadedFile(name, data, content_type=XLSX)}),
    )


def uploaded_batch(response) -> ImportBatch:
    assert response.status_code == 302, response.content.decode()[:2000]
    pk = int(re.search(r"/import/(\d+)/", response["Location"]).group(1))
    return ImportBatch.objects.get(pk=pk)


def read(content: bytes):
    return load_workbook(io.BytesIO(content))
