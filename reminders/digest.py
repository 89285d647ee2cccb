"""The daily digest e-mail: one message per recipient per day, listing every reminder of that day
that is still owed, in the site language (``LANGUAGE_CODE``, Chinese) whatever language is active
where it is written (the e-mail is read outside the portal, where the language switcher does not
reach; no user stores a language of their own). Every string goes through gettext with an English
msgid; the Chinese is in the zh_Hans catalogue.

Each item shows what to do, its due date as ``YYYY-MM-DD 星期X`` (the weekday from Django's own
catalogue), the Chinese working days left (or the calendar days overdue) counted from the day the
mail is written, and an absolute link (``PORTAL_BASE_URL`` + the item's path) to the page where the
work is done.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import npgettext, pgettext, pgettext_lazy

from core import dates
from reminders.models import Delivery, Digest, Kind

# Sections of the mail, in this order: what is late first. The context keeps these apart from
# the shorter words of the pages (e.g. "Overdue" is 逾期 there, 已逾期 here).
SECTIONS = (
    ("escalation", pgettext_lazy("reminder e-mail", "Overdue and not done (escalated)")),
    ("overdue", pgettext_lazy("reminder e-mail", "Overdue")),
    ("due", pgettext_lazy("reminder e-mail", "Due today")),
    ("upcoming", pgettext_lazy("reminder e-mail", "Due soon")),
)


def chinese_date(day: datetime.date) -> str:
    """``2020-08-31 星期一`` in Chinese (``2020-08-31 Monday`` in English): the weekday names are
    Django's (``django.utils.dates.WEEKDAYS``), translated in the active language."""
    return f"{day:%Y-%m-%d} {WEEKDAYS[day.weekday()]}"


def time_left(due_on: datetime.date, on: datetime.date) -> str:
    """How the due date stands on `on`: working days left, due today, or calendar days overdue
    (statutory holidays and make-up workdays from chinesecalendar; beyond the years it knows,
    calendar days)."""
    days = dates.days_left(due_on, on)
    if days < 0:
        return npgettext("reminder e-mail", "Overdue by %(days)s day", "Overdue by %(days)s days", -days) % {
            "days": -days
        }
    if days == 0:
        return pgettext("reminder e-mail", "Due today")
    working = dates.working_days_left(due_on, on)
    if working is None:
        return npgettext("reminder e-mail", "%(days)s day left", "%(days)s days left", days) % {"days": days}
    if working == 0:
        return npgettext(
            "reminder e-mail",
            "%(days)s day left (no working day in between)",
            "%(days)s days left (no working days in between)",
            days,
        ) % {"days": days}
    return npgettext(
        "reminder e-mail", "%(days)s working day left", "%(days)s working days left", working
    ) % {"days": working}


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.PORTAL_BASE_URL}{path if path.startswith('/') else '/' + path}"


def page_url(name: str) -> str:
    """A portal page by URL name, absolute; empty when the page does not exist."""
    try:
        return absolute_url(reverse(name))
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class Item:
    title: str
    due: str
    left: str
    url: str
    section: str


def section_of(delivery: Delivery, on: datetime.date) -> str:
    if delivery.kind == Kind.ESCALATION:
        return "escalation"
    days = dates.days_left(delivery.due_on, on)
    return "overdue" if days < 0 else "due" if days == 0 else "upcoming"


def build_message(digest: Digest, deliveries: list[Delivery], *, on: datetime.date) -> EmailMultiAlternatives:
    """The digest as one multipart message (plain text and HTML) to the recipient's address.
    `on` is the day the mail is written (the days left are counted from it)."""
    recipient = digest.recipient
    with translation.override(settings.LANGUAGE_CODE):
        items = [
            Item(
                title=d.title,
                due=chinese_date(d.due_on),
                left=time_left(d.due_on, on),
                url=absolute_url(d.url),
                section=section_of(d, on),
            )
            for d in sorted(deliveries, key=lambda d: (d.due_on, d.title, d.pk))
        ]
        sections = [
            {"key": key, "heading": str(heading), "items": [i for i in items if i.section == key]}
            for key, heading in SECTIONS
        ]
        context = {
            "portal_name": str(settings.PORTAL_NAME),
            "name": getattr(recipient, "full_name", "") or recipient.get_username(),
            "on": chinese_date(on),
            "count": len(items),
            "overdue": sum(1 for i in items if i.section in ("overdue", "escalation")),
            "sections": [s for s in sections if s["items"]],
            "inbox_url": page_url("reminders:inbox"),
            "settings_url": page_url("accounts:reminders"),
            "base_url": settings.PORTAL_BASE_URL,
        }
        subject = " ".join(render_to_string("reminders/email/digest_subject.txt", context).split())
        text = render_to_string("reminders/email/digest.txt", context)
        html = render_to_string("reminders/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"Auto-Submitted": "auto-generated", "X-Portal-Digest": str(digest.pk)},
    )
    message.attach_alternative(html, "text/html")
    return message
