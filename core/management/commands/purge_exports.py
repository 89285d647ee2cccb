from django.core.management.base import BaseCommand

from core.exports import FOLDER, keep_seconds, purge_files


class Command(BaseCommand):
    help = (
        f"Delete the export files under MEDIA_ROOT/{FOLDER}/ older than PORTAL_EXPORT_KEEP_HOURS (their "
        "download links have expired). The Celery beat task core.exports.purge_exports does the same hourly."
    )

    def handle(self, *args, **options):
        count = purge_files()
        self.stdout.write(f"export files deleted (older than {keep_seconds() // 3600} hours): {count}")
