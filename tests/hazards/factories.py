"""Hazards for tests, recorded through the service layer as a district user would."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from hazards import services
from hazards.models import Hazard


def png_bytes(colour=(40, 120, 200), size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def photo(name="整改后.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def notice(name="书面告知书.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def hazard_values(institution, **overrides) -> dict:
    values = {
        "institution": institution,
        "category": "fire",
        "severity": "general",
        "source": "survey",
        "description": "二楼疏散通道堆放杂物，安全出口指示灯损坏",
        "found_on": datetime.date(2026, 11, 2),
        "measures": "清理杂物，更换指示灯",
        "responsible_unit": institution.name,
        "responsible_person": "刘建华",
        "responsible_phone": "13841200000",
        "deadline": datetime.date(2026, 11, 30),
    }
    values.update(overrides)
    return values


def record(institution, by, **overrides) -> Hazard:
    return services.hazard_create(hazard=Hazard(**hazard_values(institution, **overrides)), by=by)


def advance(hazard: Hazard, to: str, *, district, institution_user=None) -> Hazard:
    """Take a hazard along the normal path up to status `to`."""
    actor = institution_user or district
    path = ["pending", "in_progress", "awaiting_verification", "closed"]
    for target in path[path.index(hazard.status) + 1 : path.index(to) + 1]:
        if target == "in_progress":
            hazard = services.hazard_transition(hazard=hazard, action="start", by=actor)
        elif target == "awaiting_verification":
            services.evidence_add(hazard=hazard, file=photo(), purpose="after", by=actor)
            hazard = services.hazard_transition(hazard=hazard, action="submit", by=actor)
        else:
            hazard = services.hazard_transition(
                hazard=hazard, action="close", by=district, note="经现场核查，整改到位，同意销号"
            )
    return hazard
