"""Issue 18: "import institutions" with a token — the registry's Excel import through the API runs
the page's check (a dry run: nothing written) and apply (all at once), with the page's rules."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.tokens import issue_token
from core.models import ImportBatch
from institutions.models import Institution
from tests.institutions.excel_helpers import XLSX, code, row, workbook

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports/institutions/"


def token_client(user) -> APIClient:
    _token, raw = issue_token(user=user, name="导入脚本", days=30)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def send(client, data: bytes, name="机构名单.xlsx", url=URL):
    return client.post(url, {"file": SimpleUploadedFile(name, data, content_type=XLSX)}, format="multipart")


def test_upload_is_a_dry_run_and_apply_writes_all_rows(world):
    client = token_client(world.users["district"])
    before = Institution.objects.count()
    answer = send(
        client,
        workbook(
            row("铁东区晚晴养老院", credit_code=code(71)), row("铁东区松鹤养老院", credit_code=code(72))
        ),
    )
    assert answer.status_code == 201, answer.json()
    batch = answer.json()
    assert batch["counts"]["create"] == 2 and batch["problems"] == [] and batch["can_apply"] is True
    assert Institution.objects.count() == before  # the dry run wrote nothing
    assert client.get(f"{URL}{batch['id']}/").json()["state"] == "checked"
    applied = client.post(f"{URL}{batch['id']}/apply/")
    assert applied.status_code == 200, applied.json()
    assert applied.json()["status"] == "applied"
    assert set(
        Institution.objects.filter(name__in=["铁东区晚晴养老院", "铁东区松鹤养老院"]).values_list(
            "region__code", flat=True
        )
    ) == {"210302"}
    again = client.post(f"{URL}{batch['id']}/apply/")
    assert again.status_code == 400 and Institution.objects.count() == before + 2


def test_problems_name_the_row_and_column_in_chinese_and_block_the_apply(world):
    client = token_client(world.users["district"])
    answer = send(
        client, workbook(row("铁东区甲", credit_code=code(73)), row("铁东区乙", credit_code="不是代码"))
    )
    assert answer.status_code == 201
    batch = answer.json()
    assert batch["can_apply"] is False
    assert any("第 3 行" in p or "第3行" in p for p in batch["problems"]), batch["problems"]
    refused = client.post(f"{URL}{batch['id']}/apply/")
    assert refused.status_code == 400
    assert not Institution.objects.filter(name="铁东区甲").exists()  # all or nothing


def test_a_file_that_is_not_a_workbook_is_a_400_naming_the_file(world):
    answer = send(token_client(world.users["district"]), b"not a workbook", name="名单.xlsx")
    assert answer.status_code == 400
    assert "file" in answer.json() and any("\u4e00" <= ch <= "\u9fff" for ch in answer.json()["file"][0])
    assert not ImportBatch.objects.exists()


def test_only_the_uploader_sees_a_batch_and_roles_follow_the_pages(world):
    district = token_client(world.users["district"])
    batch = send(district, workbook(row("铁东区丙", credit_code=code(74)))).json()
    other = token_client(world.users["other_district"])
    assert other.get(f"{URL}{batch['id']}/").status_code == 404
    assert other.post(f"{URL}{batch['id']}/apply/").status_code == 404
    assert (
        send(
            token_client(world.users["institution"]), workbook(row("铁东区丁", credit_code=code(75)))
        ).status_code
        == 403
    )
    # the hazard ledger is imported by district staff only, as on its page
    city = token_client(world.users["city"])
    assert (
        send(
            city, workbook(row("铁东区戊", credit_code=code(76))), url="/api/v1/imports/hazards/"
        ).status_code
        == 403
    )
