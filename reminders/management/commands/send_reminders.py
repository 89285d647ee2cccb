import datetime
import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from core import dates
from reminders.models import Delivery, Digest
from reminders.tasks import scan_and_queue


def parse_day(value: str) -> datetime.date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise CommandError(f"日期格式不对：{value!r}。请写成 YYYY-MM-DD，例如 --date 2020-08-31。")


class Command(BaseCommand):
    help = (
        "Run the daily reminder scan of one date (default today, Asia/Shanghai) and send its digests: "
        "the same work as the beat task reminders.tasks.daily_scan. With CELERY_TASK_ALWAYS_EAGER "
        "(make run) the mail is sent here, through the e-mail backend; otherwise the digests are "
        "queued for the Celery worker. Running it twice for one date sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="day", default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args, day=None, **options):
        on = parse_day(day) if day else dates.today()
        run, queued = scan_and_queue(on)
        states = dict(
            Digest.objects.filter(on=on)
            .values_list("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
        deliveries = dict(
            Delivery.objects.filter(occurrence=on)
            .values_list("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
        self.stdout.write(f"{on:%Y-%m-%d} 提醒扫描：{run.get_state_display()}（ScanRun {run.pk}）")
        self.stdout.write(
            f"  提醒 {sum(deliveries.values())} 条：已发送 {deliveries.get(Delivery.State.SENT, 0)}，"
            f"待发送 {deliveries.get(Delivery.State.PENDING, 0)}，"
            f"已办结未发送 {deliveries.get(Delivery.State.RESOLVED, 0)}，"
            f"失败 {deliveries.get(Delivery.State.FAILED, 0)}"
        )
        self.stdout.write(
            f"  汇总邮件 {sum(states.values())} 封：已发送 {states.get(Digest.State.SENT, 0)}，"
            f"不发邮件（无邮箱、已关闭或已办结）{states.get(Digest.State.SKIPPED, 0)}，"
            f"待发送 {states.get(Digest.State.PENDING, 0) + states.get(Digest.State.SENDING, 0)}，"
            f"失败 {states.get(Digest.State.FAILED, 0)}"
        )
        if queued and not settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write(f"  本次交给 Celery worker 发送 {len(queued)} 封。")
