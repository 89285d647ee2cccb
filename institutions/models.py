"""The institution registry. The foundation keeps only what roles and scoping need; the registry
issue adds the full record."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.scoping import ScopedQuerySet


class InstitutionQuerySet(ScopedQuerySet):
    region_lookup = "region"
    institution_lookup = ""  # an institution user sees its own institution


class Institution(TimeStampedModel):
    name = models.CharField(_("name"), max_length=128)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="institutions"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["region__path", "name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="institution_unique_name_in_region")
        ]

    def __str__(self):
        return self.name
