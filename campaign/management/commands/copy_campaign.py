from django.core.management.base import BaseCommand, CommandError

from campaign.models import Campaign
from campaign.services import campaign_copy


class Command(BaseCommand):
    help = "Copy a campaign to another year (deadlines moved to the same month and day); idempotent."

    def add_arguments(self, parser):
        parser.add_argument("source_key")
        parser.add_argument("year", type=int)

    def handle(self, *args, source_key, year, **options):
        source = Campaign.objects.filter(key=source_key).first()
        if source is None:
            raise CommandError(f"No campaign with key {source_key!r}.")
        copy, report = campaign_copy(source=source, year=year)
        self.stdout.write(f"{copy.key}: {report}")
