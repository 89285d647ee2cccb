"""Chinese by default, English through the switcher, and a complete zh_Hans catalogue."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def msgids(po_text: str) -> set[str]:
    ids = set()
    for block in re.findall(r'^msgid ((?:".*"\n)+)', po_text, flags=re.M):
        text = "".join(re.findall(r'"(.*)"', block))
        if text:
            ids.add(text)
    return ids


def test_the_catalogue_is_complete_and_has_no_fuzzy_entries():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_every_marked_string_is_in_the_catalogue(tmp_path):
    """makemessages on a copy of the tree finds no msgid the committed catalogue lacks."""
    base = Path(settings.BASE_DIR)
    copy = tmp_path / "tree"
    shutil.copytree(
        base,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "staticfiles",
            "static",
            "media",
            "test-artifacts",
            "__pycache__",
            "*.sqlite3",
            ".ruff_cache",
            ".pytest_cache",
        ),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--verbosity", "0"],
        cwd=copy,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "1"},
    )
    fresh = msgids((copy / "locale/zh_Hans/LC_MESSAGES/django.po").read_text(encoding="utf-8"))
    committed = msgids(CATALOGUE.read_text(encoding="utf-8"))
    missing = fresh - committed
    assert not missing, f"run `manage.py makemessages -l zh_Hans` and translate: {sorted(missing)}"


def test_pages_speak_chinese_by_default(client, world):
    client.force_login(world.users["district"])
    body = client.get(reverse("core:home")).content.decode()
    assert '<html lang="zh-hans">' in body
    assert "李秀梅，您好" in body and "Hello" not in body


def test_english_through_the_language_switcher(client, world):
    client.force_login(world.users["district"])
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("core:home")}, follow=True
    )
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Hello, 李秀梅" in body


ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def test_an_english_browser_gets_chinese_until_it_chooses_english(world):
    browser = Client(**ENGLISH_BROWSER)
    page = browser.get(reverse("accounts:login"))
    assert '<html lang="zh-hans"' in page.content.decode()
    assert page["Content-Language"] == "zh-hans"
    browser.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = browser.get(reverse("accounts:login"))
    assert '<html lang="en"' in page.content.decode()
    # A Chinese browser that chose English keeps it; an unknown cookie value falls back to Chinese.
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    browser.cookies["django_language"] = "fr"
    assert '<html lang="zh-hans"' in browser.get(reverse("accounts:login")).content.decode()


@pytest.mark.parametrize("page", ["hazards:list", "institutions:list"])
def test_sort_choices_read_in_chinese(world, client, page):
    """The lists' sort choices: "截止日期（降序）", not django-filter's untranslated "(descending)"."""
    client.force_login(world.users["district"])
    body = client.get(reverse(page), **ENGLISH_BROWSER).content.decode()
    assert "（降序）" in body
    assert "descending" not in body
