"""One rule per source, with the issue's defaults (7, 3 and 1 days before and on the day; every 3
days when overdue; the city told 3 days after; reminders moved off quiet days)."""

from django.db import migrations

SOURCES = (
    "milestone",
    "hazard",
    "answer_returned",
    "answer_unreviewed",
    "self_report_returned",
    "referral_unreplied",
)


def create(apps, schema_editor):
    Rule = apps.get_model("reminders", "Rule")
    for source in SOURCES:
        Rule.objects.get_or_create(source=source, defaults={"lead_days": [7, 3, 1, 0]})


class Migration(migrations.Migration):
    dependencies = [("reminders", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
