from pathlib import Path

from django.core.management.base import BaseCommand

from core.services import DATA_DIR, regions_load_file


class Command(BaseCommand):
    help = "Load (create or update) the administrative-region tree from a YAML file; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DATA_DIR / "regions_anshan.yaml"))

    def handle(self, *args, path, **options):
        report = regions_load_file(path=Path(path))
        self.stdout.write(f"regions: {report}")
