"""Users: one role each, bound to the region (and institution or department) the role needs."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import PhoneField
from core.roles import Department, Role


class PortalUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    Role = Role
    Department = Department

    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    phone = PhoneField(_("phone"), max_length=32, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    department = models.CharField(_("department"), max_length=16, choices=Department.choices, blank=True)
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    # Reminders (issue 12): the daily digest goes to `email` unless the user turned it off; the
    # in-app inbox always receives.
    reminder_email = models.BooleanField(
        _("daily reminder e-mail"),
        default=True,
        help_text=_("One e-mail a day listing what is due or overdue for you. The inbox always shows it."),
    )

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_role_has_its_binding",
                condition=(
                    Q(role=Role.ADMIN, is_superuser=True)
                    | Q(
                        role__in=[Role.CITY, Role.DISTRICT],
                        region__isnull=False,
                        institution__isnull=True,
                        department="",
                        is_superuser=False,
                    )
                    | Q(
                        role=Role.INSTITUTION,
                        institution__isnull=False,
                        region__isnull=False,
                        department="",
                        is_superuser=False,
                    )
                    | (
                        Q(
                            role=Role.DEPARTMENT,
                            region__isnull=False,
                            institution__isnull=True,
                            is_superuser=False,
                        )
                        & ~Q(department="")
                    )
                ),
            )
        ]

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def unit_name(self) -> str:
        """The unit shown in the header: institution, department of a region, or the region."""
        if self.role == Role.INSTITUTION and self.institution_id:
            return self.institution.name
        if self.role == Role.DEPARTMENT and self.region_id:
            return f"{self.region.name} · {self.get_department_display()}"
        return self.region.name if self.region_id else ""

    def clean(self):
        super().clean()
        errors = {}
        if self.role == Role.ADMIN:
            self.is_superuser = self.is_staff = True
        elif self.role in (Role.CITY, Role.DISTRICT, Role.DEPARTMENT, Role.INSTITUTION):
            self.is_superuser = False
        if self.role == Role.INSTITUTION:
            if not self.institution_id:
                errors["institution"] = _("Institution staff must be bound to an institution.")
            else:
                self.region = self.institution.region
        elif self.institution_id:
            errors["institution"] = _("Only institution staff are bound to an institution.")
        if self.role in (Role.CITY, Role.DISTRICT, Role.DEPARTMENT) and not self.region_id:
            errors["region"] = _("This role must be bound to a region.")
        if self.region_id and self.role == Role.CITY and self.region.kind not in ("city", "province"):
            errors["region"] = _("City bureau staff belong to a city.")
        if self.region_id and self.role == Role.DISTRICT and not self.region.is_county_level:
            errors["region"] = _("District staff belong to a county-level unit.")
        if self.role == Role.DEPARTMENT and not self.department:
            errors["department"] = _("Department staff must name their department.")
        if self.role != Role.DEPARTMENT and self.department:
            errors["department"] = _("Only department staff have a department.")
        if errors:
            raise ValidationError(errors)


class ApiToken(models.Model):
    """A personal API token (issue 18): acts with its user's role and scope and nothing more.

    Only the SHA-256 digest of the token is stored (the token is shown once, when it is created:
    `accounts.tokens.issue_token`); `prefix` (the first characters) lets the user tell tokens apart.
    A token is refused after `expires_at` or once revoked; `last_used_at`/`last_used_ip` are
    copied from the cache every ten minutes (`accounts.tokens.save_last_uses`)."""

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("token name"), max_length=64)
    prefix = models.CharField(_("token prefix"), max_length=16)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="api_token_unique_name_per_user"),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_active(self, now=None) -> bool:
        from django.utils import timezone

        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
