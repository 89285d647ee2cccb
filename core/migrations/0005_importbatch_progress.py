"""Imports in batches (issue 11): an ImportBatch's state, progress and task, for checks and imports
run by a Celery worker, and what the check found for each row."""

from django.db import migrations, models


def applied_batches(apps, schema_editor):
    ImportBatch = apps.get_model("core", "ImportBatch")
    ImportBatch.objects.filter(status="applied").update(state="applied")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_submissiontoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="state",
            field=models.CharField(
                choices=[
                    ("queued", "Waiting to be checked"),
                    ("checking", "Being checked"),
                    ("checked", "Checked"),
                    ("apply_queued", "Waiting to be imported"),
                    ("applying", "Being imported"),
                    ("applied", "Imported"),
                    ("failed", "Failed"),
                ],
                default="checked",
                max_length=16,
                verbose_name="state",
            ),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="progress",
            field=models.PositiveIntegerField(default=0, verbose_name="rows done"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="total",
            field=models.PositiveIntegerField(default=0, verbose_name="rows to do"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="task_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="task"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="failure",
            field=models.TextField(blank=True, verbose_name="failure"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="checked_rows",
            field=models.JSONField(blank=True, default=list, verbose_name="rows as checked"),
        ),
        migrations.RunPython(applied_batches, migrations.RunPython.noop),
    ]
