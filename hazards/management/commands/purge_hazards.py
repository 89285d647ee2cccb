import datetime

from django.conf import settings
from django.core.management.base import BaseCommand

from hazards.services import hazards_purge


class Command(BaseCommand):
    help = "Delete for good the hazards deleted more than --days ago, with their files and history."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.PORTAL_PURGE_AFTER_DAYS)

    def handle(self, *args, days, **options):
        count = hazards_purge(older_than=datetime.timedelta(days=days))
        self.stdout.write(f"purged {count} deleted hazards older than {days} days")
