from django.core.management.base import BaseCommand

from inspections.items import DATA_FILE, load_items


class Command(BaseCommand):
    help = "Load the starter inspection-items list (抽查事项清单) with its checklist points; a second load adds nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DATA_FILE))

    def handle(self, *args, file, **options):
        items, points = load_items(file)
        self.stdout.write(f"inspection items: {items} new items, {points} new checklist points")
