"""The complainant's name and contact: who may read them, and the masked forms lists show.

- Lists (city and district staff): masked, 138****5678 and 张*.
- The detail page: in full for city and district staff (the complaint is in their scope, or
  they would get 404); masked for the system administrator.
- A department's users: neither, not even masked (the department handles the matter, civil
  affairs answers the complainant: "民政牵头、归口负责"); institution users see no complaint.
"""

from django.utils.translation import gettext_lazy as _

from core.roles import Role

#: What a department's page shows in place of the complainant.
WITHHELD = _("Kept by the civil-affairs bureau")
ANONYMOUS = _("Anonymous")


def mask_contact(contact: str) -> str:
    """A contact with its middle hidden: eight characters or more keep the first three and the
    last four (13812345678 → 138****5678); a shorter one keeps only its last two; "" stays ""."""
    contact = (contact or "").strip()
    if not contact:
        return ""
    if len(contact) >= 8:
        return f"{contact[:3]}****{contact[-4:]}"
    return "*" * (len(contact) - 2) + contact[-2:] if len(contact) > 2 else "*" * len(contact)


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***; "" stays ""."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def sees_complainant(user) -> bool:
    """Whether `user` may see the complainant at all (masked or in full): city and district staff
    and the administrator; never a department's or an institution's users."""
    return user.is_superuser or user.role in (Role.CITY, Role.DISTRICT, Role.ADMIN)


def sees_contact_in_full(user) -> bool:
    """City and district staff on a complaint inside their scope (the caller has read it through
    `visible_to`): the full name and contact on the detail page."""
    return user.role in (Role.CITY, Role.DISTRICT) and not user.is_superuser


def complainant_for(user, complaint, *, full: bool = False) -> dict:
    """{"name", "contact", "shown"} as `user` may see them: in full when `full` (the detail page)
    and `sees_contact_in_full`, masked for other readers who see the complainant, withheld for the
    rest (`shown` False)."""
    if not sees_complainant(user):
        return {"name": WITHHELD, "contact": "", "shown": False}
    name, contact = complaint.complainant_name, complaint.complainant_contact
    if not (full and sees_contact_in_full(user)):
        name, contact = mask_name(name), mask_contact(contact)
    return {"name": name or ANONYMOUS, "contact": contact, "shown": True}
