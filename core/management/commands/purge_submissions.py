from django.core.management.base import BaseCommand

from core.submissions import max_age, purge_expired


class Command(BaseCommand):
    help = (
        "Delete the claimed one-time form tokens older than a token's lifetime (the session's, at "
        "least a day): such a token is refused anyway, so its claim can no longer be replayed."
    )

    def handle(self, *args, **options):
        count = purge_expired()
        self.stdout.write(f"form submissions purged (older than {max_age()} seconds): {count}")
