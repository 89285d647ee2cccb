from pathlib import Path

from django.core.management.base import BaseCommand

from campaign.services import DATA_DIR, campaign_load_file


class Command(BaseCommand):
    help = "Load (create or update) a campaign, its key tasks, items and milestones from YAML; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DATA_DIR / "anshan_2020.yaml"))

    def handle(self, *args, path, **options):
        campaign, report = campaign_load_file(path=Path(path))
        self.stdout.write(f"{campaign.key}: {report}")
