"""How the list pages name institutions and regions for the reader (issue 15, "tables that read").

A user who sees one county-level unit (district staff, an institution's manager, a department of a
district) is never shown that unit's name again on every row; a user who sees several (city and
province staff, a city-level department, the administrator) gets a region column. Institution
names that already start with their region's name ("铁东区康乐老年公寓") are not prefixed again.
"""

from core.scoping import sees_several_regions

#: The three lists' columns a phone shows on a row's card (templates/hazards/three_lists.html);
#: the others are on the desktop table and in the exported workbook only.
CARD_COLUMNS = frozenset(
    {
        "code",
        "institution",
        "category",
        "severity",
        "description_short",
        "deadline",
        "status",
        "overdue",
        "responsible_person",
        "responsible_phone",
        "departments",
    }
)


def institution_label(institution, show_region: bool) -> str:
    """An institution as a choice: its name, followed by its region in brackets only when
    `show_region` and the name does not already start with the region's name ("铁东区康乐老年公寓"
    stays as it is; "康乐老年公寓" of 铁东区 reads "康乐老年公寓（铁东区）" to a city user, "康乐老年公寓"
    to the district's own staff). Needs `institution.region` loaded when `show_region`."""
    name = institution.name
    if not show_region:
        return name
    region = institution.region.name
    return name if name.startswith(region) else f"{name}（{region}）"


def institution_labeller(user):
    """A `label_from_instance` for a ModelChoiceField of institutions shown to `user`
    (hazards.forms.HazardForm): `institution_label` with the region shown as `user`'s scope
    wants it, decided once for the whole list."""
    show_region = sees_several_regions(user)
    return lambda institution: institution_label(institution, show_region)
