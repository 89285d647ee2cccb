from django.core.management.base import BaseCommand, CommandError

from inspections.models import Draw
from inspections.services import check_stored


class Command(BaseCommand):
    help = "Re-run a stored draw from its published document and say whether it matches the stored result."

    def add_arguments(self, parser):
        parser.add_argument("draw_id", type=int)

    def handle(self, *args, draw_id, **options):
        draw = Draw.objects.filter(pk=draw_id).first()
        if draw is None:
            raise CommandError(f"no draw {draw_id}")
        if draw.result is None:
            raise CommandError(f"draw {draw_id} has not been drawn (status {draw.status})")
        ok, field = check_stored(draw)
        if not ok:
            raise CommandError(
                f"draw {draw_id}: MISMATCH — the re-run differs from the stored result at {field!r}"
            )
        self.stdout.write(
            f"draw {draw_id}: OK — the re-run reproduces the stored result (inputs {draw.inputs_sha256})"
        )
