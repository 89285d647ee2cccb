"""Issue 18, OpenAPI: the schema drf-spectacular generates validates with no warning, describes
every endpoint, parameter and field in Chinese, and is served with Swagger UI and Redoc from the
portal's own static files (no CDN)."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from core import yamldata

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    """``manage.py spectacular --validate --fail-on-warn --lang zh-hans``, as CI runs it."""
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--lang", "zh-hans", "--file", str(path))
    return yamldata.load_file(path)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_every_operation_has_a_chinese_summary_and_description(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(schema)
        if not CJK.search(operation.get("summary", "")) or not CJK.search(operation.get("description", ""))
    ]
    assert not missing, missing


def test_every_group_of_operations_has_a_chinese_name(schema):
    tags = {tag for _path, _method, operation in operations(schema) for tag in operation.get("tags", [])}
    assert tags and all(CJK.search(tag) for tag in tags), tags


def test_every_parameter_is_described_in_chinese(schema):
    missing = [
        f"{method.upper()} {path} ?{parameter['name']}"
        for path, method, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if not CJK.search(parameter.get("description", ""))
    ]
    assert not missing, missing


def test_every_field_is_described_in_chinese(schema):
    missing = []
    for name, component in schema["components"]["schemas"].items():
        for field, spec in component.get("properties", {}).items():
            text = spec.get("description", "") + spec.get("title", "")
            if not CJK.search(text):
                missing.append(f"{name}.{field}")
    assert not missing, missing


def test_the_token_scheme_is_documented(schema):
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert CJK.search(scheme["description"])


def test_swagger_ui_and_redoc_load_their_assets_from_the_portal(client, world):
    client.force_login(world.users["city"])
    for name in ("api:docs", "api:redoc"):
        body = client.get(reverse(name)).content.decode()
        sources = re.findall(r'(?:src|href)="([^"]+)"', body)
        assert sources, name
        assert all(not source.startswith(("http:", "https:", "//")) for source in sources), sources
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "养老院服务质量监管平台 API"
