"""The one scoping mechanism: `Model.objects.visible_to(user)`.

Every view, API endpoint, export, file download and reminder starts from `visible_to(user)`. A
scoped model's QuerySet subclasses `ScopedQuerySet` and says, with lookups, how its rows reach
a region, an institution and a department; the rules per role live here once:

- superusers (role "admin") see everything;
- city and district staff see rows inside their region's subtree (a city user's region is the
  city, a district user's the county-level unit): `region_id IN (the subtree's ids)`;
- institution staff see rows of their own institution only;
- department staff see rows referred to their department inside their region's subtree;
- anonymous and inactive users see nothing.

The subtree is fetched once (one indexed prefix match on `core_region.path`, a few hundred ids at
most: a province has ~120 county-level units) and kept on the user object, i.e. for the request;
rows are then filtered by their own `region_id` column, never by a join to `core_region`, so
PostgreSQL can use the indexes that start with `region_id` (hazards, institutions, answers) and
knows exactly which regions it looks for. Saving or deleting a region drops what was kept (a
process-wide generation number), so a tree changed in the same request is read again.

A model that *covers* an area rather than sitting inside one (a campaign issued by the city is
read by every unit in the city) sets `coverage = True`: it is visible to any role whose region
lies inside the row's region.
"""

from django.db import models
from django.db.models.signals import post_delete, post_save

from core.roles import Role

# Bumped whenever a region is saved or deleted: subtree ids kept on a user object from before are
# read again. (Only within a process; kept ids live no longer than the user object, a request.)
_tree_generation = 0


def _tree_changed(**kwargs) -> None:
    global _tree_generation
    _tree_generation += 1


post_save.connect(_tree_changed, sender="core.Region", dispatch_uid="scoping_region_saved")
post_delete.connect(_tree_changed, sender="core.Region", dispatch_uid="scoping_region_deleted")


def subtree_ids(user) -> list[int]:
    """Ids of the user's region and of every region below it (one query per user object)."""
    region = user.region
    key = (region.pk, region.path, _tree_generation)
    kept = getattr(user, "_scope_subtree", None)
    if kept is None or kept[0] != key:
        ids = list(
            type(region)._default_manager.filter(path__startswith=region.path).values_list("pk", flat=True)
        )
        kept = (key, ids)
        user._scope_subtree = kept
    return kept[1]


class ScopedQuerySet(models.QuerySet):
    #: Lookup from this model to its Region ("" when the model *is* the region).
    region_lookup: str | None = "region"
    #: Lookup to the Institution the row belongs to; None: institution users see nothing.
    institution_lookup: str | None = None
    #: Lookup to the department code a row is referred to; None: department users see nothing.
    department_lookup: str | None = None
    #: True for rows that cover an area (campaigns, milestones): visible to everyone inside it.
    coverage: bool = False

    def _region_path_lookup(self) -> str:
        return f"{self.region_lookup}__path" if self.region_lookup else "path"

    def _in_subtree(self, user) -> dict:
        """The lookup for "inside the user's region subtree": the region's own path for regions
        (no join), else the row's region_id among the subtree's ids (no join to core_region)."""
        if not self.region_lookup:
            return {"path__startswith": user.region.path}
        return {f"{self.region_lookup}__in": subtree_ids(user)}

    def visible_to(self, user) -> "ScopedQuerySet":
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        region = user.region
        if region is None:
            return self.none()
        path = self._region_path_lookup()
        if self.coverage:
            return self.filter(**{f"{path}__in": region.ancestor_paths()})
        if user.role in (Role.CITY, Role.DISTRICT):
            return self.filter(**self._in_subtree(user))
        if user.role == Role.INSTITUTION and self.institution_lookup is not None:
            if self.institution_lookup == "":
                return self.filter(pk=user.institution_id)
            return self.filter(**{self.institution_lookup: user.institution_id})
        if user.role == Role.DEPARTMENT and self.department_lookup is not None:
            return self.filter(**self._in_subtree(user), **{self.department_lookup: user.department})
        return self.none()


def sees_several_regions(user) -> bool:
    """True when `user`'s scope spans more than one county-level unit: the administrator, and city,
    province and department staff bound to a city or province. District and institution staff
    (and a district's departments) see one unit. Reads `user.region` only, which `visible_to`
    has already loaded for the request (no query of its own after that); anonymous: False."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if user.role in (Role.CITY, Role.DEPARTMENT):
        return user.region_id is not None and not user.region.is_county_level
    return False
