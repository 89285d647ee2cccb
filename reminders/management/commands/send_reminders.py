import datetime
import re

import kombu.exceptions
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import dates
from reminders.models import Delivery, Digest
from reminders.tasks import scan_and_queue


def parse_day(value: str) -> datetime.date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise CommandError(
        _("The date %(value)s is not in the right format: write it as YYYY-MM-DD, e.g. --date 2020-08-31.")
        % {"value": repr(value)}
    )


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
        # Printed in the site language (Chinese), whatever language the shell's locale would give.
        with translation.override(settings.LANGUAGE_CODE):
            self.scan_and_report(day)

    def scan_and_report(self, day):
        on = parse_day(day) if day else dates.today()
        try:
            run, queued = scan_and_queue(on)
        except kombu.exceptions.OperationalError as error:
            # The scan is saved; only the queueing of the e-mails failed (the recovery sweep queues
            # them again once the broker is back).
            raise CommandError(
                _(
                    "The scan of %(day)s is saved, but its e-mails could not be queued: the message "
                    "broker (Redis) cannot be reached (%(error)s). Start Redis and a Celery worker, or "
                    "send them here with CELERY_TASK_ALWAYS_EAGER=1 (make send-reminders)."
                )
                % {"day": f"{on:%Y-%m-%d}", "error": error}
            ) from error
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
        self.stdout.write(
            _("%(day)s reminder scan: %(state)s (ScanRun %(pk)s)")
            % {"day": f"{on:%Y-%m-%d}", "state": run.get_state_display(), "pk": run.pk}
        )
        total = sum(deliveries.values())
        self.stdout.write(
            "  "
            + ngettext(
                "%(total)s reminder: %(sent)s sent, %(pending)s to send, %(resolved)s done before "
                "it was sent, %(failed)s failed",
                "%(total)s reminders: %(sent)s sent, %(pending)s to send, %(resolved)s done before "
                "they were sent, %(failed)s failed",
                total,
            )
            % {
                "total": total,
                "sent": deliveries.get(Delivery.State.SENT, 0),
                "pending": deliveries.get(Delivery.State.PENDING, 0),
                "resolved": deliveries.get(Delivery.State.RESOLVED, 0),
                "failed": deliveries.get(Delivery.State.FAILED, 0),
            }
        )
        total = sum(states.values())
        self.stdout.write(
            "  "
            + ngettext(
                "%(total)s digest e-mail: %(sent)s sent, %(skipped)s not sent (no address, turned "
                "off or all done), %(pending)s to send, %(failed)s failed",
                "%(total)s digest e-mails: %(sent)s sent, %(skipped)s not sent (no address, turned "
                "off or all done), %(pending)s to send, %(failed)s failed",
                total,
            )
            % {
                "total": total,
                "sent": states.get(Digest.State.SENT, 0),
                "skipped": states.get(Digest.State.SKIPPED, 0),
                "pending": states.get(Digest.State.PENDING, 0) + states.get(Digest.State.SENDING, 0),
                "failed": states.get(Digest.State.FAILED, 0),
            }
        )
        if queued and not settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write(
                "  "
                + ngettext(
                    "%(count)s e-mail handed to the Celery worker to send.",
                    "%(count)s e-mails handed to the Celery worker to send.",
                    len(queued),
                )
                % {"count": len(queued)}
            )
