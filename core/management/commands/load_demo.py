from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from campaign.demo import load_demo_answers
from campaign.services import DATA_DIR as CAMPAIGN_DATA
from campaign.services import campaign_copy, campaign_load_file
from core import dates, yamldata
from core.models import Region
from core.services import DATA_DIR, regions_load_file
from dashboards.supervision_demo import load_demo_supervision
from disclosure.demo import load_demo_publications
from hazards.demo import load_demo_hazards
from inspections.demo import load_demo_inspections
from institutions.demo import DEMO_FILE, load_demo_institutions, load_demo_self_reports

LIAOYANG_INSTITUTIONS = DEMO_FILE.parent / "demo_liaoyang.yaml"

DEMO_PASSWORD = "Anshan-2020"


class Command(BaseCommand):
    help = (
        "Load the demo: Anshan's regions, the 2020 campaign and its copy for this year, users; and a "
        "second, small city (辽阳市) with a province user, for the province's dashboard."
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo-file", default=str(DATA_DIR / "demo_anshan.yaml"))

    @transaction.atomic
    def handle(self, *args, demo_file, **options):
        regions_load_file(path=DATA_DIR / "regions_anshan.yaml")
        regions_load_file(path=DATA_DIR / "regions_liaoyang.yaml")  # the second, small city
        source, _ = campaign_load_file(path=CAMPAIGN_DATA / "anshan_2020.yaml")
        this_year = dates.today().year
        if this_year != source.year:
            campaign_copy(source=source, year=this_year)
        data = yamldata.load_file(demo_file)
        regions = {region.code: region for region in Region.objects.all()}
        institutions = load_demo_institutions()
        institutions |= load_demo_institutions(path=LIAOYANG_INSTITUTIONS)
        created = 0
        for row in data["users"]:
            user = User.objects.filter(username=row["username"]).first() or User(username=row["username"])
            is_new = user.pk is None
            user.full_name = row["full_name"]
            user.role = row["role"]
            user.region = regions.get(row.get("region"))
            user.department = row.get("department", "")
            user.institution = institutions.get(row.get("institution"))
            user.is_staff = user.is_superuser = row["role"] == User.Role.ADMIN
            if is_new:
                user.set_password(DEMO_PASSWORD)
                created += 1
            user.full_clean(exclude=["password"])
            user.save()
        users = {user.username: user for user in User.objects.all()}
        load_demo_self_reports(users)
        load_demo_publications(users)
        hazards = load_demo_hazards(users)
        answers = load_demo_answers(users)
        inspectors = load_demo_inspections()
        load_demo_supervision()
        self.stdout.write(
            f"demo: {Region.objects.count()} regions, {len(institutions)} institutions, "
            f"{created} new users (password {DEMO_PASSWORD}), {hazards} new hazards, {answers} new answers to the 30 items, "
            f"{inspectors} new inspectors"
        )
