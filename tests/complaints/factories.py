"""Complaints for tests: recorded through the service, as the intake page does."""

import datetime

from complaints import services
from complaints.models import Complaint


def complaint(
    institution, by, *, received_on=None, category="service", channel="phone", **fields
) -> Complaint:
    """A complaint recorded by `by` (city or district staff) through `complaint_create`; the
    deadline defaults as on the page unless given."""
    values = {
        "complainant_name": "张三",
        "complainant_contact": "13812345678",
        "content": "护理员态度恶劣，老人未按时服药。",
        **fields,
    }
    return services.complaint_create(
        complaint=Complaint(
            institution=institution,
            received_on=received_on or datetime.date(2025, 9, 26),
            category=category,
            channel=channel,
            **values,
        ),
        by=by,
    )


def raw(institution, by, *, received_on, category="service", **fields) -> Complaint:
    """A complaint written directly (any scope, e.g. 大连市 for a foreign object)."""
    return Complaint.objects.create(
        institution=institution,
        received_on=received_on,
        category=category,
        channel="phone",
        content=fields.pop("content", "投诉内容"),
        complainant_name=fields.pop("complainant_name", "李四"),
        complainant_contact=fields.pop("complainant_contact", "13900001111"),
        deadline=fields.pop("deadline", received_on + datetime.timedelta(days=21)),
        created_by=by,
        **fields,
    )
