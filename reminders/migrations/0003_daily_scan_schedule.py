"""The daily reminder scan as a django-celery-beat periodic task (admin → Periodic tasks), at
PORTAL_REMINDER_HOUR:PORTAL_REMINDER_MINUTE (08:00 by default) Asia/Shanghai. The crontab carries its
time zone explicitly: a crontab left in UTC would fire at 16:00 in Beijing. Created once; later
changes of the time are made in the admin (or by editing the crontab), which this never overwrites."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

NAME = "reminders: daily scan"
TASK = "reminders.tasks.daily_scan"
TIMEZONE = "Asia/Shanghai"


def create(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(getattr(settings, "PORTAL_REMINDER_MINUTE", 0)),
        hour=str(getattr(settings, "PORTAL_REMINDER_HOUR", 8)),
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=TIMEZONE,
    )
    PeriodicTask.objects.create(
        name=NAME,
        task=TASK,
        crontab=crontab,
        enabled=True,
        description="每天扫描一次：生成当天的提醒（站内消息）并给每位用户发送一封汇总邮件。",
    )
    # Tell a running beat that the schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0002_default_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
