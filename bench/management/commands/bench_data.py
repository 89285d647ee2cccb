"""manage.py bench_data --city | --province [--institutions N --hazards N] [--seed S]: the bench's
data (bench/generator/). Into an empty database (after migrate); refuses a second load."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from bench.generator import BENCH_PASSWORD, SCALES, Generator, Scale
from core import dates


class Command(BaseCommand):
    help = "Generate deterministic bench data at city or province scale (issue 11)."

    def add_arguments(self, parser):
        scale = parser.add_mutually_exclusive_group()
        scale.add_argument(
            "--city", action="store_true", help="Anshan's units, 500 institutions, 20,000 hazards, 300 users"
        )
        scale.add_argument(
            "--province",
            action="store_true",
            help="Liaoning's 14 cities, 5,000 institutions, 200,000 hazards, 3,000 users",
        )
        parser.add_argument("--institutions", type=int, help="override the scale's number of institutions")
        parser.add_argument("--hazards", type=int, help="override the scale's number of hazards")
        parser.add_argument(
            "--users",
            type=int,
            help="override the scale's number of users (the rest of the named "
            "and district users are institution users)",
        )
        parser.add_argument("--seed", type=int, default=2020)
        parser.add_argument(
            "--as-of", type=datetime.date.fromisoformat, help="the last date of the data (today)"
        )
        parser.add_argument("--password", default=BENCH_PASSWORD, help="every bench user's password")

    def handle(self, *args, city, province, institutions, hazards, users, seed, as_of, password, **options):
        base = SCALES["province" if province else "city"]
        scale = Scale(
            institutions=base.institutions if institutions is None else institutions,
            hazards=base.hazards if hazards is None else hazards,
            province=province,
            users=base.users if users is None else users,
        )
        if scale.institutions < 1:
            raise CommandError("At least one institution is needed.")
        started = time.monotonic()
        try:
            report = Generator(scale, seed=seed, as_of=as_of or dates.today(), password=password).run()
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"bench data in {time.monotonic() - started:.0f} s: {report}")
