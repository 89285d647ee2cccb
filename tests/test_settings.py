"""Production settings: no default secret, `check --deploy` clean, Redis reachable."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache

PRODUCTION_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "yanglao.example.gov.cn",
    "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/eldercare",
}


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={**PRODUCTION_ENV, **env},
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="p7w!x2z-long-random-production-secret-for-the-check-0123456789abcdef",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_portal_is_chinese_and_on_shanghai_time():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ


def test_the_cache_talks_to_the_real_redis():
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.set("eldercare-test-key", "养老", timeout=10)
    assert cache.get("eldercare-test-key") == "养老"


@pytest.mark.long
def test_static_files_collect_for_production(tmp_path):
    """whitenoise's manifest storage accepts every vendored asset (CSS url()s, fonts, source maps)."""
    result = manage(
        "collectstatic",
        "--no-input",
        "--verbosity",
        "1",
        DJANGO_SECRET_KEY="p7w!x2z-long-random-production-secret-for-the-check-0123456789abcdef",
        DJANGO_STATIC_ROOT=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/bootstrap/bootstrap.min.*.css"))
