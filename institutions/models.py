"""The institution registry: what the documents ask about each eldercare institution."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.fields import PhoneField
from core.models import TimeStampedModel, VersionedModel
from core.scoping import ScopedQuerySet
from institutions import uscc
from institutions.fields import CreditCodeField


class Nature(models.TextChoices):
    """Operating nature (运营性质)."""

    PUBLIC = "public", _("Publicly built and run")
    PUBLIC_PRIVATE = "public_private", _("Publicly built, privately run")
    PRIVATE = "private", _("Privately run")


class RegistrationForm(models.TextChoices):
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")
    SOCIAL_ORGANISATION = (
        "social_organisation",
        _("Social service organisation / private non-enterprise unit"),
    )
    ENTERPRISE = "enterprise", _("Enterprise")
    UNREGISTERED = "unregistered", _("Not registered")


# The first two characters of the credit code each registration form is given (GB 32100-2015): a
# public institution is registered by the establishment office as 事业单位, a social service
# organisation by civil affairs as 民办非企业单位, an enterprise by market regulation.
CODE_PREFIXES = {
    RegistrationForm.PUBLIC_INSTITUTION: ("12",),
    RegistrationForm.SOCIAL_ORGANISATION: ("52",),
    RegistrationForm.ENTERPRISE: ("91",),
}


class FilingStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    UNFILED = "unfiled", _("Not filed")


class Area(models.TextChoices):
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")


class LegalPersonStatus(models.TextChoices):
    """Legal-person registration of a special-hardship facility (key task 5)."""

    INDEPENDENT = "independent", _("Registered as an independent legal person")
    BRANCH = "branch", _('Branch of a "1+N" consortium')
    CONVERTED = "converted", _("Converted to a rural mutual-aid facility")
    PENDING = "pending", _("Not yet completed")


# Registered as a legal person (key task 5): an independent legal person, or a "1+N" branch whose head's
# code is entered in the national system (“视同完成法人登记”).
REGISTERED_LEGAL_PERSON = (LegalPersonStatus.INDEPENDENT, LegalPersonStatus.BRANCH)


class OperatingStatus(models.TextChoices):
    OPERATING = "operating", _("Operating")
    SUSPENDED = "suspended", _("Suspended")
    DEREGISTERED = "deregistered", _("Deregistered")


class MedicalMode(models.TextChoices):
    IN_HOUSE = "in_house", _("Has its own medical institution")
    CLINIC = "clinic", _("Infirmary or nursing station")
    CONTRACT = "contract", _("Contract with a medical institution")
    NONE = "none", _("None")


class FireSafetyStatus(models.TextChoices):
    """Fire-safety upgrade of a privately run institution (key task 6)."""

    COMPLIANT = "compliant", _("Meets the standard")
    UPGRADING = "upgrading", _("Being upgraded")
    NON_COMPLIANT = "non_compliant", _("Does not meet the standard")


# The nine risks of GB 38600-2019 养老机构服务安全基本规范, in the standard's order.
RISKS = (
    ("risk_choking", _("Choking")),
    ("risk_medication", _("Mistaken intake of food or medicine")),
    ("risk_pressure_ulcer", _("Pressure ulcers")),
    ("risk_scald", _("Scalds")),
    ("risk_bed_fall", _("Falling out of bed")),
    ("risk_fall", _("Falls")),
    ("risk_harm", _("Harm to others and self-harm")),
    ("risk_wandering", _("Wandering off")),
    ("risk_recreation", _("Accidents in recreational activities")),
)
RISK_FIELDS = tuple(name for name, _label in RISKS)

EXTENSION_SERVICES = (
    ("ext_meal", _("Meal help")),
    ("ext_bath", _("Bathing help")),
    ("ext_cleaning", _("Cleaning help")),
    ("ext_medical", _("Medical help")),
    ("ext_recreation", _("Recreation")),
)
EXTENSION_FIELDS = tuple(name for name, _label in EXTENSION_SERVICES)


class InstitutionQuerySet(ScopedQuerySet):
    region_lookup = "region"
    institution_lookup = ""  # an institution user sees its own institution

    def operating(self):
        """The operating institutions (在营养老机构): the one population every indicator, list and
        dashboard counts. Operating status "operating", and not a special-hardship facility converted
        to a rural mutual-aid facility. Records outside it keep their history and stay in the registry.

        Why, from the source documents (../shared/seeds/):

        - Suspended (停业) institutions are out. The items of the attachment to 鞍民发〔2020〕37号
          measure institutions at work: standards met by 养老机构 (items 4, 5, 17), medical services
          “为入住老年人提供” (19), beds and their national-system indicator (20), data “更新” in the
          system (30), services to nearby elders (18), risk assessment (29), the fire-safety upgrade
          (16) and legal-person registration of 敬老院 (13, 14, which already left them out). A
          suspended institution serves nobody: 辽民发〔2021〕28号 (十三) orders 停业整顿 exactly when
          hazards are serious, and (七) has elders resettled when an institution leaves service, so
          counting it would mark a district down (or up) for a house with no residents. Item 7's and
          8's published lists use the same population, so the list and its count in the indicators
          always agree; a suspended institution comes back into every figure the day it reopens.
        - Deregistered (注销) institutions are out: they no longer exist as institutions.
        - Converted facilities (转为农村互助养老设施, key task 5: “对于其他机构，重点转为农村互助养老
          设施”) are out: a mutual-aid facility is no longer an eldercare institution.
        - Hazards are not institutions: the ledger items (3, 24, 25, 27, 28) count every live hazard
          whatever its institution's status now, because “排查出的安全风险隐患整改到位” covers the
          hazards found at a house later suspended for them.

        `Institution.is_operating` is the same rule for one record in memory.
        """
        return self.filter(operating_q())


def operating_q() -> Q:
    """`InstitutionQuerySet.operating` as a condition, for the registry's history rows too
    (core.asof): operating, and not a facility converted to rural mutual aid."""
    return Q(operating_status=OperatingStatus.OPERATING) & ~Q(legal_person_status=LegalPersonStatus.CONVERTED)


def risk_field(label):
    return models.BooleanField(label, default=False)


class Institution(TimeStampedModel, VersionedModel):
    # Identity
    name = models.CharField(_("name"), max_length=128)
    credit_code = CreditCodeField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        db_index=True,
        help_text=_('18 characters. Branches of a "1+N" consortium carry the head institution\'s code.'),
    )
    credit_code_confirmed = models.BooleanField(
        _("check digit does not conform to GB 32100, verified manually"),
        default=False,
        help_text=_("Only for a code really issued before 2016 whose check digit fails GB 32100."),
    )
    credit_code_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("code verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    credit_code_confirmed_at = models.DateTimeField(_("code verified at"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("consortium head institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="institutions"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    legal_representative = models.CharField(_("head / legal representative"), max_length=64, blank=True)
    phone = PhoneField(_("phone"), max_length=32, blank=True)

    # Status
    nature = models.CharField(_("operating nature"), max_length=16, choices=Nature.choices)
    registration_form = models.CharField(
        _("registration form"), max_length=24, choices=RegistrationForm.choices
    )
    filing_status = models.CharField(_("filing status"), max_length=8, choices=FilingStatus.choices)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    unfiled_found_on = models.DateField(
        _("found taking in elders on"),
        null=True,
        blank=True,
        help_text=_("For an unfiled institution found taking in elders: the date it was found."),
    )
    is_special_hardship = models.BooleanField(_("special-hardship support facility"), default=False)
    area = models.CharField(_("urban or rural"), max_length=8, choices=Area.choices, default=Area.URBAN)
    legal_person_status = models.CharField(
        _("legal-person registration"), max_length=16, choices=LegalPersonStatus.choices, blank=True
    )
    legal_code_entered = models.BooleanField(_("legal code entered in the national system"), default=False)
    legal_code_entered_on = models.DateField(
        _("legal code entered in the national system on"),
        null=True,
        blank=True,
        help_text=_("Items 13 and 14 are judged by this date against the milestone."),
    )
    operating_status = models.CharField(
        _("operating status"),
        max_length=16,
        choices=OperatingStatus.choices,
        default=OperatingStatus.OPERATING,
    )

    # Capacity
    beds = models.PositiveIntegerField(_("beds"), default=0)
    nursing_beds = models.PositiveIntegerField(_("nursing-type beds"), default=0)
    residents = models.PositiveIntegerField(_("residents"), default=0)
    disabled_residents = models.PositiveIntegerField(_("disabled residents"), default=0)
    semi_disabled_residents = models.PositiveIntegerField(_("semi-disabled residents"), default=0)
    medical_mode = models.CharField(
        _("medical services"), max_length=16, choices=MedicalMode.choices, default=MedicalMode.NONE
    )
    integrated_care = models.BooleanField(_("integrated medical and elderly care"), default=False)
    ext_meal = models.BooleanField(_("meal help"), default=False)
    ext_bath = models.BooleanField(_("bathing help"), default=False)
    ext_cleaning = models.BooleanField(_("cleaning help"), default=False)
    ext_medical = models.BooleanField(_("medical help"), default=False)
    ext_recreation = models.BooleanField(_("recreation"), default=False)

    # Standards
    star_rating = models.PositiveSmallIntegerField(
        _("star rating"),
        default=0,
        validators=[MaxValueValidator(5)],
        help_text=_("GB/T 37276-2018; 0 means not rated."),
    )
    star_rated_on = models.DateField(_("rated on"), null=True, blank=True)
    risk_choking = risk_field(_("prevents choking"))
    risk_medication = risk_field(_("prevents mistaken intake of food or medicine"))
    risk_pressure_ulcer = risk_field(_("prevents pressure ulcers"))
    risk_scald = risk_field(_("prevents scalds"))
    risk_bed_fall = risk_field(_("prevents falling out of bed"))
    risk_fall = risk_field(_("prevents falls"))
    risk_harm = risk_field(_("prevents harm to others and self-harm"))
    risk_wandering = risk_field(_("prevents wandering off"))
    risk_recreation = risk_field(_("prevents accidents in recreational activities"))
    gb38600_compliant = models.BooleanField(_("meets GB 38600-2019 overall"), default=False)
    risk_assessed_on = models.DateField(_("risk assessment recorded on"), null=True, blank=True)
    quality_norm_compliant = models.BooleanField(_("meets the service-quality norm"), default=False)
    fire_safety_status = models.CharField(
        _("fire-safety upgrade"), max_length=16, choices=FireSafetyStatus.choices, blank=True
    )
    fire_gov_funds = models.DecimalField(
        _("government funds (10,000 yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    fire_own_funds = models.DecimalField(
        _("own funds (10,000 yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    national_data_updated_on = models.DateField(_("national system data updated on"), null=True, blank=True)

    notes = models.TextField(_("internal notes"), blank=True)

    history = HistoricalRecords(excluded_fields=["version", "updated_at"])
    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["region__sort_key", "name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="institution_unique_name_in_region"),
            models.CheckConstraint(
                name="institution_nursing_beds_within_beds", condition=Q(nursing_beds__lte=F("beds"))
            ),
            models.CheckConstraint(
                name="institution_disabled_within_residents",
                condition=Q(residents__gte=F("disabled_residents") + F("semi_disabled_residents")),
            ),
            models.CheckConstraint(name="institution_star_rating_0_5", condition=Q(star_rating__lte=5)),
        ]

    def __str__(self):
        return self.name

    @property
    def is_operating(self) -> bool:
        """In the population of `InstitutionQuerySet.operating()` (the rule is documented there)."""
        return (
            self.operating_status == OperatingStatus.OPERATING
            and self.legal_person_status != LegalPersonStatus.CONVERTED
        )

    @property
    def is_private(self) -> bool:
        return self.nature == Nature.PRIVATE

    @property
    def extension_services(self) -> list[str]:
        return [str(label) for name, label in EXTENSION_SERVICES if getattr(self, name)]

    @property
    def risks_met(self) -> int:
        return sum(1 for name in RISK_FIELDS if getattr(self, name))

    def clean_fields(self, exclude=None):
        # Pasted codes (full-width, spaced) are normalised before the length check sees them.
        self.credit_code = uscc.normalize(self.credit_code)
        super().clean_fields(exclude=exclude)

    def clean(self):
        errors: dict[str, list] = {}

        def add(field, message):
            errors.setdefault(field, []).append(message)

        self.credit_code = uscc.normalize(self.credit_code)
        if self.credit_code:
            self._clean_credit_code(add)
        elif self.registration_form and self.registration_form != RegistrationForm.UNREGISTERED:
            add("credit_code", _("A registered institution needs its credit code."))
        if not self.credit_code:
            self._clear_code_confirmation()
        if self.nursing_beds > self.beds:
            add(
                "nursing_beds",
                _("Nursing-type beds (%(nursing)s) cannot exceed total beds (%(beds)s).")
                % {"nursing": self.nursing_beds, "beds": self.beds},
            )
        if self.disabled_residents + self.semi_disabled_residents > self.residents:
            add(
                "semi_disabled_residents",
                _("Disabled and semi-disabled residents together cannot exceed residents."),
            )
        if self.filing_status == FilingStatus.FILED and not self.filed_on:
            add("filed_on", _("Give the filing date of a filed institution."))
        if self.filing_status == FilingStatus.FILED and self.unfiled_found_on:
            add(
                "unfiled_found_on", _("Only an unfiled institution has a date it was found taking in elders.")
            )
        if self.filing_status == FilingStatus.UNFILED and self.filed_on:
            add("filed_on", _("An unfiled institution has no filing date."))
        if self.is_special_hardship and not self.legal_person_status:
            add(
                "legal_person_status",
                _("Give the legal-person registration status of a special-hardship facility."),
            )
        if not self.is_special_hardship and self.legal_person_status:
            add(
                "legal_person_status",
                _("Only special-hardship facilities have a legal-person registration status."),
            )
        if self.legal_person_status == LegalPersonStatus.BRANCH and not self.parent_id:
            add("parent", _('A "1+N" branch names its head institution.'))
        if self.parent_id and self.legal_person_status != LegalPersonStatus.BRANCH:
            add("parent", _('Only a "1+N" branch has a head institution.'))
        if self.parent_id:
            self._clean_branch(add)
        elif self.credit_code:
            self._clean_shared_code(add)
        self._clean_legal_code_entry(add)
        if self.fire_safety_status and not self.is_private:
            add(
                "fire_safety_status",
                _("The fire-safety upgrade is recorded for privately run institutions only."),
            )
        if not self.is_private and (self.fire_gov_funds is not None or self.fire_own_funds is not None):
            add(
                "fire_gov_funds",
                _("The fire-safety upgrade is recorded for privately run institutions only."),
            )
        if self.star_rating and not self.star_rated_on:
            add("star_rated_on", _("Give the date of the star rating."))
        if not self.star_rating and self.star_rated_on:
            add("star_rated_on", _("An unrated institution has no rating date."))
        if self.gb38600_compliant and self.risks_met < len(RISK_FIELDS):
            add("gb38600_compliant", _("Overall compliance with GB 38600 needs all nine risks prevented."))
        if errors:
            raise ValidationError(errors)

    def _clean_legal_code_entry(self, add):
        """Items 13 and 14 are judged by the date the legal code was entered in the national system:
        a date means the code is entered, and a code is entered only after registration as a legal
        person (“法人登记后…法人代码录入”; a "1+N" branch enters its head's code)."""
        if not self.legal_code_entered_on:
            return
        if not self.legal_code_entered:
            add(
                "legal_code_entered",
                _("A date of entry is given: mark the legal code as entered, or clear the date."),
            )
        if self.legal_person_status not in REGISTERED_LEGAL_PERSON:
            add(
                "legal_code_entered_on",
                _(
                    "Only a special-hardship facility registered as a legal person (independent or "
                    '"1+N" branch) has a date the legal code was entered.'
                ),
            )

    def _clean_credit_code(self, add):
        """The code's segments and check character (``uscc.validate``), its first two characters
        against the registration form, and the manual confirmation of a check character that fails
        GB 32100 (only that problem can be confirmed: a wrong segment is a wrong code)."""
        code = self.credit_code
        try:
            uscc.validate(code)
        except ValidationError as error:
            if error.code != "check_digit":
                add("credit_code", error)
                if self.credit_code_confirmed:
                    add(
                        "credit_code_confirmed",
                        ValidationError(
                            _(
                                "Only a code whose check character alone fails GB 32100 can be confirmed "
                                "as verified manually; this code has another problem."
                            ),
                            code="confirmation_not_applicable",
                        ),
                    )
            elif not self.credit_code_confirmed:
                hint = _(
                    "If the registration certificate shows exactly this code (some codes issued before 2016 "
                    "fail the check), confirm it as verified manually: the tick box “%(label)s” in the form, "
                    "or 是 in the column “校验位已人工核实” of the import."
                ) % {"label": self._meta.get_field("credit_code_confirmed").verbose_name}
                add("credit_code", ValidationError(f"{error.messages[0]} {hint}", code="check_digit"))
        else:
            self._clear_code_confirmation()  # nothing to confirm
        prefixes = CODE_PREFIXES.get(self.registration_form)
        if prefixes and len(code) == uscc.LENGTH and code[:2] not in prefixes:
            add(
                "credit_code",
                ValidationError(
                    _(
                        "Characters 1 and 2 of the credit code, %(prefix)s, do not fit the registration form "
                        "“%(form)s”, whose code begins with %(expected)s."
                    )
                    % {
                        "prefix": uscc.describe_prefix(code),
                        "form": self.get_registration_form_display(),
                        "expected": "、".join(uscc.describe_prefix(p) for p in prefixes),
                    },
                    code="registration_form_mismatch",
                ),
            )

    def _clear_code_confirmation(self):
        self.credit_code_confirmed = False
        self.credit_code_confirmed_by = None
        self.credit_code_confirmed_at = None

    def record_code_confirmation(self, *, by, before: "Institution | None") -> None:
        """Name who confirmed a code that fails the check character, and when: on a new confirmation
        or a changed confirmed code (``before`` is the record as stored, None for a new one)."""
        if not self.credit_code_confirmed:
            self._clear_code_confirmation()
            return
        if before is None or not before.credit_code_confirmed or before.credit_code != self.credit_code:
            self.credit_code_confirmed_by = by
            self.credit_code_confirmed_at = timezone.now()

    def _clean_branch(self, add):
        parent = self.parent
        if parent.pk == self.pk or parent.parent_id:
            add("parent", _("The head institution must not itself be a branch."))
        if parent.region_id != self.region_id:
            add("parent", _("The head institution must be in the same region."))
        if self.credit_code and parent.credit_code and self.credit_code != parent.credit_code:
            add(
                "credit_code",
                _('A "1+N" branch carries the head institution\'s credit code %(code)s.')
                % {"code": parent.credit_code},
            )

    def _clean_shared_code(self, add):
        others = Institution.objects.filter(credit_code=self.credit_code).exclude(pk=self.pk)
        if self.pk:
            others = others.exclude(parent_id=self.pk)
        clash = others.select_related("region").first()
        if clash is None:
            return
        # Name the other institution only to someone who may see it (``checked_for``, set by the
        # form, the services and the import); otherwise say only that the code is taken.
        viewer = getattr(self, "checked_for", None)
        if viewer is not None and Institution.objects.visible_to(viewer).filter(pk=clash.pk).exists():
            message = _(
                "Credit code %(code)s is already used by %(name)s (%(region)s). Only branches of "
                'a "1+N" consortium may share the head institution\'s code.'
            ) % {"code": self.credit_code, "name": clash.name, "region": clash.region}
        else:
            message = _(
                "Credit code %(code)s is already registered for another institution. Only branches of "
                'a "1+N" consortium may share the head institution\'s code.'
            ) % {"code": self.credit_code}
        add("credit_code", ValidationError(message, code="duplicate_code"))


# What an institution reports about itself (self-reporting); everything else is kept by the district.
SELF_REPORT_FIELDS = (
    "beds",
    "nursing_beds",
    "residents",
    "disabled_residents",
    "semi_disabled_residents",
    "medical_mode",
    "integrated_care",
    *EXTENSION_FIELDS,
    *RISK_FIELDS,
    "fire_safety_status",
)


class SelfReportQuerySet(ScopedQuerySet):
    region_lookup = "institution__region"
    institution_lookup = "institution"

    def open(self):
        return self.filter(status__in=SelfReport.OPEN_STATUSES)


class SelfReport(TimeStampedModel):
    """An institution's report of its own figures. Nothing reaches the record until its district
    accepts it; a returned report goes back to the institution with the reason."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted, awaiting review")
        RETURNED = "returned", _("Returned")
        ACCEPTED = "accepted", _("Accepted")

    OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED)

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="self_reports"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    values = models.JSONField(_("reported values"), default=dict)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_reason = models.TextField(_("reason for return"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = SelfReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("self-report")
        verbose_name_plural = _("self-reports")
        constraints = [
            models.UniqueConstraint(
                fields=["institution"],
                condition=Q(status__in=["draft", "submitted", "returned"]),
                name="selfreport_one_open_per_institution",
            )
        ]

    def __str__(self):
        return f"{self.institution} · {self.get_status_display()}"
