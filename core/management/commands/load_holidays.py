"""`manage.py load_holidays [YEAR ...] [--force] [--dir DIR]`: the State Council's holiday notices
(core/data/holidays/<year>.yaml) into the admin's holiday table (core.HolidayYear/HolidayDay).

Idempotent: a year not in the table is created, a year holding exactly its file is left alone, a
year that differs from its file (edited in the admin) is kept and reported, unless --force.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.workdays import DATA_DIR, HolidayFileError, holidays_load_file


class Command(BaseCommand):
    help = (
        "Load the holiday and make-up working day files (core/data/holidays/<year>.yaml) into the "
        "holiday table; idempotent. A year edited in the admin is kept unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help="only these years (default: every file)")
        parser.add_argument(
            "--force", action="store_true", help="overwrite years that differ from their file"
        )
        parser.add_argument("--dir", default=str(DATA_DIR), help="directory of the <year>.yaml files")

    def handle(self, *args, years, force, dir, **options):
        folder = Path(dir)
        paths = [folder / f"{year}.yaml" for year in years] if years else sorted(folder.glob("*.yaml"))
        if not paths:
            raise CommandError(f"no holiday files in {folder}")
        kept = []
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            try:
                year, outcome = holidays_load_file(path, force=force)
            except HolidayFileError as exc:
                raise CommandError(str(exc)) from exc
            if outcome == "kept":
                kept.append(year)
            self.stdout.write(f"holidays {year}: {outcome}")
        if kept:
            years_text = " ".join(str(year) for year in kept)
            self.stdout.write(
                self.style.WARNING(
                    f"kept as edited in the admin (differ from their files): {years_text}; "
                    f"load_holidays {years_text} --force replaces them"
                )
            )
