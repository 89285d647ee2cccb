"""The one scoping mechanism: `Model.objects.visible_to(user)`.

Every view, API endpoint, export, file download and reminder starts from `visible_to(user)`. A
scoped model's QuerySet subclasses `ScopedQuerySet` and says, with lookups, how its rows reach
a region, an institution and a department; the rules per role live here once:

- superusers (role "admin") see everything;
- city and district staff see rows inside their region's subtree (a city user's region is the
  city, a district user's the county-level unit), by a prefix match on the region path;
- institution staff see rows of their own institution only;
- department staff see rows referred to their department inside their region's subtree;
- anonymous and inactive users see nothing.

A model that *covers* an area rather than sitting inside one (a campaign issued by the city is
read by every unit in the city) sets `coverage = True`: it is visible to any role whose region
lies inside the row's region.
"""

from django.db import models

from core.roles import Role


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
            return self.filter(**{f"{path}__startswith": region.path})
        if user.role == Role.INSTITUTION and self.institution_lookup is not None:
            if self.institution_lookup == "":
                return self.filter(pk=user.institution_id)
            return self.filter(**{self.institution_lookup: user.institution_id})
        if user.role == Role.DEPARTMENT and self.department_lookup is not None:
            return self.filter(
                **{f"{path}__startswith": region.path, self.department_lookup: user.department}
            )
        return self.none()
