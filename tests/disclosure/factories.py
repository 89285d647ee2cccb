"""Builders for disclosure tests (and for the URL sweep's `own` / `foreign` objects)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from disclosure import services
from disclosure.models import Publication, SupportPolicy
from institutions.models import FilingStatus, Institution, Nature, RegistrationForm

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# Values that must never reach a public page or a snapshot.
PRIVATE = {
    "phone": "0412-5550199",
    "legal_representative": "甄隐私",
    "credit_code": "52210302MJY8P2X71Q",
    "notes": "内部备注绝密甲乙丙",
    "residents": 9173,
    "disabled_residents": 2846,
    "semi_disabled_residents": 1759,
}


def pdf(name: str = "扶持政策.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def institution(region, name: str, **fields) -> Institution:
    """A registered, filed, privately run institution unless told otherwise (no full_clean: tests
    build edge cases the form would refuse)."""
    values = {
        "nature": Nature.PRIVATE,
        "registration_form": RegistrationForm.SOCIAL_ORGANISATION,
        "filing_status": FilingStatus.FILED,
        "filed_on": datetime.date(2020, 5, 1),
        "address": f"{region.name}某路1号",
        "beds": 60,
        **fields,
    }
    return Institution.objects.create(region=region, name=name, **values)


def unfiled(region, name: str, **fields) -> Institution:
    values = {
        "registration_form": RegistrationForm.UNREGISTERED,
        "filing_status": FilingStatus.UNFILED,
        "filed_on": None,
        **fields,
    }
    return institution(region, name, **values)


def policy(
    region, by, *, title: str = "关于支持养老机构发展的若干措施", file=None, url: str = ""
) -> SupportPolicy:
    return services.policy_create(
        region=region,
        title=title,
        issuing_body=f"{region.name}人民政府办公室",
        issued_on=datetime.date(2020, 6, 1),
        url=url or ("" if file else "https://www.example.gov.cn/policy/1.html"),
        file=file,
        by=by,
    )


def published_policy(world, region=None, by=None) -> SupportPolicy:
    """A policy with a PDF, published in its region's policy list (铁东区 and the city user unless
    told otherwise): its file URL answers 200 to anyone."""
    region = region or world.regions["210302"]
    by = by or world.users["city"]
    created = policy(region, by, file=pdf())
    services.publication_publish(region=region, kind=Publication.Kind.POLICIES, by=by)
    return created


def unpublished_policy(world) -> SupportPolicy:
    """A policy with a PDF that was never published: its file URL answers 404 to anyone."""
    return policy(world.regions["210302"], world.users["city"], file=pdf())
