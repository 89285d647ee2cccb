from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.evidence import evidence_purge_removed
from core.models import Evidence


class Command(BaseCommand):
    help = (
        "Delete for good the evidence files removed more than --days ago (default "
        "PORTAL_PURGE_AFTER_DAYS): the rows, and the files on disk once the deletion is committed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="keep removed files this many days")
        parser.add_argument("--dry-run", action="store_true", help="only count what would be purged")

    def handle(self, *args, days, dry_run, **options):
        if days is None:
            days = int(getattr(settings, "PORTAL_PURGE_AFTER_DAYS", 365))
        if days < 0:
            raise CommandError("--days cannot be negative.")
        if dry_run:
            count = Evidence.objects.filter(removed_at__lt=timezone.now() - timedelta(days=days)).count()
            self.stdout.write(f"evidence files to purge (removed more than {days} days ago): {count}")
            return
        count = evidence_purge_removed(timedelta(days=days))
        self.stdout.write(f"evidence files purged (removed more than {days} days ago): {count}")
