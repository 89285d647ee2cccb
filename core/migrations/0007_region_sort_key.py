"""Region.sort_key (issue 15): the order of every region list, computed for the existing rows."""

from django.db import migrations, models

OFFICIAL_KINDS = ("province", "city", "district", "county", "autonomous_county", "county_city")


def segment(kind: str, code: str, sort_order: int) -> str:
    # The same as core.models.Region.sort_segment (kept here: a migration must not import models).
    if kind in OFFICIAL_KINDS:
        return f"000000{code}/"
    group = "2" if kind == "city_level" else "1"
    return f"{group}{sort_order:05d}{code}/"


def fill_sort_keys(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    keys: dict[int, str] = {}
    regions = list(Region.objects.order_by("path"))  # parents before their children
    for region in regions:
        region.sort_key = keys.get(region.parent_id, "") + segment(
            region.kind, region.code, region.sort_order
        )
        keys[region.pk] = region.sort_key
    Region.objects.bulk_update(regions, ["sort_key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("core", "0006_evidence_updated_idx")]

    operations = [
        migrations.AddField(
            model_name="region",
            name="sort_key",
            field=models.CharField(default="", editable=False, max_length=500, verbose_name="sort key"),
        ),
        migrations.AlterModelOptions(
            name="region",
            options={
                "ordering": ["sort_key", "path"],
                "verbose_name": "region",
                "verbose_name_plural": "regions",
            },
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop),
    ]
