"""Merge helper translations into the zh_Hans catalogue.

New msgids with their Chinese are written to locale/pending/<name>.po (each helper its own file,
so that parallel work does not conflict in django.po). This script runs makemessages, keeps the
catalogue's translated entries, adds the pending files' (the catalogue wins on a clash), merges
the result into the fresh template without fuzzy matching and keeps the catalogue's header.
Afterwards: check `msgattrib --untranslated` and `--only-fuzzy` print nothing, run
compilemessages and `git rm -r locale/pending`.

Usage: .venv/bin/python scripts/merge-pending-po.py
"""

import glob
import subprocess
import tempfile
from pathlib import Path

MAIN = "locale/zh_Hans/LC_MESSAGES/django.po"


def main() -> None:
    subprocess.run(
        [
            "env",
            "DJANGO_DEBUG=1",
            ".venv/bin/python",
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--ignore=.venv",
            "--ignore=test-artifacts",
            "-v0",
        ],
        check=True,
    )
    header = Path(MAIN).read_text(encoding="utf-8").split("\n\n", 1)[0]
    pending = sorted(glob.glob("locale/pending/*.po"))
    with tempfile.TemporaryDirectory() as tmp:
        translated, combined, merged = (f"{tmp}/{name}.po" for name in ("t", "m", "f"))
        subprocess.run(
            ["msgattrib", "--translated", "--no-fuzzy", "--no-obsolete", MAIN, "-o", translated], check=True
        )
        subprocess.run(["msgcat", "--use-first", translated, *pending, "-o", combined], check=True)
        subprocess.run(
            ["msgmerge", "--quiet", "--no-fuzzy-matching", combined, MAIN, "-o", merged], check=True
        )
        body = Path(merged).read_text(encoding="utf-8").split("\n\n", 1)[1]
    Path(MAIN).write_text(header + "\n\n" + body, encoding="utf-8")


if __name__ == "__main__":
    main()
