"""Chinese by default, English through the switcher, and a complete zh_Hans catalogue."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings
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
