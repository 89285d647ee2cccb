"""Give every live image stored without a thumbnail its thumbnail (and a HEIC its JPEG rendition),
its EXIF facts and its perceptual hash, and link its reuses (core.photos.fill_missing).

For files uploaded before thumbnails existed: pages never make thumbnails (a GET writes nothing),
they show an icon until this has run. Idempotent: a file that has its thumbnail is skipped, so a
second run does nothing; an unreadable file is logged and skipped (and tried again next time).
"""

from django.core.management.base import BaseCommand

from core.models import Evidence
from core.photos import fill_missing


class Command(BaseCommand):
    help = (
        "Make the missing thumbnails, JPEG renditions, EXIF facts and perceptual hashes of evidence photos."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=200, help="rows read per query (default 200)")

    def handle(self, *args, batch: int, **options):
        pending = Evidence.objects.live().filter(mime_type__startswith="image/", thumbnail="").order_by("pk")
        made = skipped = 0
        last = 0
        while True:
            rows = list(pending.filter(pk__gt=last)[:batch])
            if not rows:
                break
            for evidence in rows:
                if fill_missing(evidence):
                    made += 1
                else:
                    skipped += 1
            last = rows[-1].pk
        self.stdout.write(f"{made} thumbnails made, {skipped} images could not be read.")
