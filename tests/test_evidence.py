"""Evidence files (core.evidence): what is accepted, how it is stored, who gets it and how."""

import datetime
import hashlib
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from core import evidence as ev
from core.evidence_forms import EvidenceField, EvidenceForm
from core.models import Evidence
from institutions.models import Institution
from tests.submissions import with_token

# Files ---------------------------------------------------------------------------------------------


def image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>"
)


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
DOCX = zipped({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>"})
PPTX = zipped({"[Content_Types].xml": CONTENT_TYPES, "ppt/presentation.xml": b"<p:presentation/>"})
DOCM = zipped(
    {
        "[Content_Types].xml": CONTENT_TYPES,
        "word/document.xml": b"<w:document/>",
        "word/vbaProject.bin": b"\0" * 16,
    }
)
PLAIN_ZIP = zipped({"readme.txt": b"hello", "word/notes.txt": b"not a document"})


def xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "隐患"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ole2(*streams: str) -> bytes:
    """A compound file: the OLE2 header, then a directory sector with the root and `streams`."""
    header = bytearray(512)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    header[0x1E:0x20] = (9).to_bytes(2, "little")  # 512-byte sectors

    def entry(name: str, kind: int) -> bytes:
        raw = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\0\0"
        raw[: len(encoded)] = encoded
        raw[64:66] = len(encoded).to_bytes(2, "little")
        raw[66] = kind
        return bytes(raw)

    directory = entry("Root Entry", 5) + b"".join(entry(name, 2) for name in streams)
    directory += bytes(512 - len(directory) % 512) if len(directory) % 512 else b""
    return bytes(header) + directory + bytes(512)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# Fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_SENDFILE_HEADER = ""
    return settings.MEDIA_ROOT


@pytest.fixture
def institution_owner():
    """Institutions own evidence in these tests (the hazard ledger registers its own models)."""
    registered = Institution in ev.owner_models()
    ev.register_owner(Institution)
    ev.register_owner(Institution)  # idempotent
    yield Institution
    if not registered:
        ev.unregister_owner(Institution)


def attach(world, *, name="照片.png", data=None, owner=None, by="district", purpose="before") -> Evidence:
    return ev.evidence_attach(
        owner=owner or world.own_institution,
        file=upload(name, image("PNG") if data is None else data),
        purpose=purpose,
        by=world.users[by],
    )


# Accepted and refused ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "mime", "extension"),
    [
        ("现场照片.jpg", image("JPEG"), "image/jpeg", "jpg"),
        ("photo.JPEG", image("JPEG"), "image/jpeg", "jpg"),
        ("shot.png", image("PNG"), "image/png", "png"),
        ("anim.gif", image("GIF"), "image/gif", "gif"),
        ("wechat.webp", image("WEBP"), "image/webp", "webp"),
        ("png-saved-as.jpg", image("PNG"), "image/png", "png"),  # same family: the content wins
        ("书面告知.pdf", PDF, "application/pdf", "pdf"),
        ("整改报告.docx", DOCX, ev.ALLOWED["docx"], "docx"),
        ("台账.xlsx", xlsx(), ev.ALLOWED["xlsx"], "xlsx"),
        ("汇报.pptx", PPTX, ev.ALLOWED["pptx"], "pptx"),
        ("docx-saved-as.doc", DOCX, ev.ALLOWED["docx"], "docx"),
        ("旧报告.doc", ole2("WordDocument"), "application/msword", "doc"),
        ("with-chart.doc", ole2("WordDocument", "Workbook"), "application/msword", "doc"),
        ("旧台账.xls", ole2("Workbook"), "application/vnd.ms-excel", "xls"),
        ("旧汇报.ppt", ole2("PowerPoint Document"), "application/vnd.ms-powerpoint", "ppt"),
    ],
)
def test_accepted_types(name, data, mime, extension):
    file = upload(name, data)
    assert ev.validate_upload(file) == (mime, extension)
    assert file.tell() == 0


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("notice.pdf", image("PNG"), "content_mismatch"),  # a PNG renamed .pdf
        ("report.docx", xlsx(), "content_mismatch"),
        ("old.xls", ole2("WordDocument"), "content_mismatch"),
        ("photo.jpg", PDF, "content_mismatch"),
        ("report.docx", PLAIN_ZIP, "content_unknown"),  # a plain zip renamed .docx
        ("notice.pdf", HTML, "content_unknown"),
        ("photo.png", SVG, "content_unknown"),
        ("setup.doc", ole2("SummaryInformation"), "content_unknown"),  # an installer, say
        ("notice.pdf", b"%PD", "content_unknown"),
        ("page.html", HTML, "type_not_allowed"),
        ("drawing.svg", SVG, "type_not_allowed"),
        ("tool.exe", b"MZ\x90\x00" + bytes(100), "type_not_allowed"),
        ("archive.zip", PLAIN_ZIP, "type_not_allowed"),
        ("no-extension", PDF, "type_not_allowed"),
        ("notice.pdf.", PDF, "type_not_allowed"),
        ("macro.docx", DOCM, "macros"),
        ("secret.docx", ole2("EncryptedPackage", "EncryptionInfo"), "password"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_refused_uploads_name_the_file(name, data, code):
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        ev.validate_upload(upload(name, data))
    error = caught.value
    assert error.code == code
    assert name.rstrip(".") in error.messages[0] or name in error.messages[0]


def test_a_file_over_the_limit_is_refused(settings):
    settings.PORTAL_EVIDENCE_MAX_BYTES = 1024
    ev.validate_upload(upload("small.pdf", PDF))
    big = upload("big.pdf", PDF + b"%" * 2000)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        ev.validate_upload(big)
    assert caught.value.code == "too_large"
    assert "big.pdf" in caught.value.messages[0] and "1.0\xa0KB" in caught.value.messages[0]


def test_the_limit_defaults_to_20_mb():
    from django.conf import settings

    assert settings.PORTAL_EVIDENCE_MAX_BYTES == 20 * 1024 * 1024 == ev.max_bytes()


@pytest.mark.parametrize(
    "name",
    [
        "../../x.pdf",
        "..\\..\\x.pdf",
        "evidence/x.pdf",
        "C:\\Users\\x.pdf",
        "..",
        "x\x00.pdf",
        "x\n.pdf",
        "fdp\u202e.exe.pdf",
    ],
)
def test_a_path_like_or_control_character_name_is_refused(name):
    with pytest.raises(ValidationError) as caught:
        ev.validate_upload(upload("x.pdf", PDF), name=name)
    assert caught.value.code == "bad_name"
    assert "\x00" not in caught.value.messages[0] and "\u202e" not in caught.value.messages[0]


def test_a_missing_name_is_refused():
    with pytest.raises(ValidationError) as caught:
        ev.validate_upload(upload("x.pdf", PDF), name="  ")
    assert caught.value.code == "no_name"


def test_a_long_name_is_shortened_keeping_its_extension():
    name = "很" * 300 + ".pdf"
    kept = ev.clean_original_name(name)
    assert len(kept) == 255 and kept.endswith(".pdf")


# Storing ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_attach_stores_under_a_random_name_with_hash_and_original_name(world, institution_owner, media):
    data = image("JPEG")
    evidence = attach(world, name="整改前 照片.jpg", data=data)
    evidence.refresh_from_db()
    assert evidence.owner == world.own_institution
    assert evidence.original_name == "整改前 照片.jpg"
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert evidence.size == len(data)
    assert evidence.mime_type == "image/jpeg"
    assert evidence.uploaded_by == world.users["district"]
    assert re.fullmatch(r"evidence/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", evidence.file.name), evidence.file.name
    stored = Path(evidence.file.path)
    assert stored.is_relative_to(media / "evidence")
    assert stored.read_bytes() == data


@pytest.mark.django_db
def test_a_renamed_image_is_stored_with_the_extension_of_its_content(world, institution_owner):
    evidence = attach(world, name="微信图片.jpg", data=image("PNG"))
    assert evidence.file.name.endswith(".png") and evidence.mime_type == "image/png"
    assert evidence.original_name == "微信图片.jpg"


@pytest.mark.django_db
def test_attach_refuses_a_bad_file_and_stores_nothing(world, institution_owner, media):
    with pytest.raises(ValidationError):
        attach(world, name="notice.pdf", data=HTML)
    assert not Evidence.objects.exists()
    assert not (media / "evidence").exists()


@pytest.mark.django_db
def test_attach_checks_purpose_and_owner_and_uploader(world, institution_owner):
    with pytest.raises(ValidationError):
        attach(world, purpose="")
    with pytest.raises(PermissionDenied):  # 铁西区 cannot see 铁东区's institution
        attach(world, by="other_district")
    with pytest.raises(ImproperlyConfigured):  # not registered as an owner
        attach(world, owner=world.regions["210302"])
    with pytest.raises(ImproperlyConfigured):  # no visible_to: cannot be an owner
        ev.register_owner(ContentType)


@pytest.mark.django_db
def test_an_http_upload_with_a_path_in_its_name_lands_under_the_random_name(world, institution_owner, media):
    """Django's multipart parser keeps only the last part of a posted file name."""
    boundary = "----evidence"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="../../x.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = RequestFactory().generic(
        "POST", "/", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    posted = request.FILES["file"]
    assert posted.name == "x.pdf"
    evidence = ev.evidence_attach(
        owner=world.own_institution, file=posted, purpose="notice", by=world.users["district"]
    )
    assert evidence.original_name == "x.pdf"
    assert Path(evidence.file.path).is_relative_to(media / "evidence")
    assert not (media.parent / "x.pdf").exists() and not (media / "x.pdf").exists()


# Scope -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_registered_owner_means_no_evidence(world):
    assert not ev.visible_evidence(world.users["admin"]).exists()


@pytest.mark.django_db
def test_visible_evidence_follows_the_owners_visible_to(world, institution_owner):
    own = attach(world)
    other = attach(world, owner=world.other_institution, by="other_district")
    foreign = attach(world, owner=world.foreign_institution, by="admin")

    def seen(viewer):
        return set(ev.visible_evidence(world.users[viewer]).values_list("pk", flat=True))

    assert seen("admin") == {own.pk, other.pk, foreign.pk}
    assert seen("city") == {own.pk, other.pk}
    assert seen("district") == {own.pk}
    assert seen("other_district") == {other.pk}
    assert seen("institution") == {own.pk}
    assert seen("department") == set()
    from django.contrib.auth.models import AnonymousUser

    assert not ev.visible_evidence(AnonymousUser()).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("viewer", "status"),
    [
        ("district", 200),
        ("city", 200),
        ("admin", 200),
        ("institution", 200),
        ("other_district", 404),
        ("department", 404),
    ],
)
def test_download_answers_only_inside_scope(client, world, institution_owner, viewer, status):
    evidence = attach(world)
    client.force_login(world.users[viewer])
    assert client.get(reverse("core:evidence_download", args=[evidence.pk])).status_code == status
    assert client.get(reverse("core:evidence_preview", args=[evidence.pk])).status_code == status


@pytest.mark.django_db
def test_an_institution_user_gets_its_own_institutions_files_only(client, world, institution_owner):
    own = attach(world)
    other = attach(world, owner=world.other_institution, by="other_district")
    foreign = attach(world, owner=world.foreign_institution, by="admin")
    client.force_login(world.users["institution"])
    assert client.get(reverse("core:evidence_download", args=[own.pk])).status_code == 200
    assert client.get(reverse("core:evidence_download", args=[other.pk])).status_code == 404
    assert client.get(reverse("core:evidence_download", args=[foreign.pk])).status_code == 404


@pytest.mark.django_db
def test_a_district_user_gets_404_for_another_citys_file(client, world, institution_owner):
    foreign = attach(world, owner=world.foreign_institution, by="admin")
    client.force_login(world.users["district"])
    assert client.get(reverse("core:evidence_download", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("core:evidence_download", args=[foreign.pk + 1000])).status_code == 404


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_the_login_page(client, world, institution_owner):
    evidence = attach(world)
    for name in ("core:evidence_download", "core:evidence_preview"):
        response = client.get(reverse(name, args=[evidence.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_files_are_never_reachable_by_a_media_url(client, world, institution_owner):
    from django.conf import settings

    evidence = attach(world)
    client.force_login(world.users["admin"])
    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"
    for url in (
        f"/media/{evidence.file.name}",
        f"/{evidence.file.name}",
        f"/protected-media/{evidence.file.name}",
    ):
        assert client.get(url).status_code == 404, url


# Sending -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_download_is_an_attachment_with_the_detected_type(client, world, institution_owner):
    data = image("PNG")
    evidence = attach(world, name="整改后.pdf.png", data=data)
    client.force_login(world.users["district"])
    response = client.get(reverse("core:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%95%B4%E6%94%B9%E5%90%8E.pdf.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "private" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_preview_is_inline_for_images_and_pdfs_only(client, world, institution_owner):
    photo = attach(world, name="photo.jpg", data=image("JPEG"))
    notice = attach(world, name="notice.pdf", data=PDF)
    report = attach(world, name="report.docx", data=DOCX)
    client.force_login(world.users["district"])

    response = client.get(reverse("core:evidence_preview", args=[photo.pk]))
    assert response["Content-Disposition"] == 'inline; filename="photo.jpg"'
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"

    response = client.get(reverse("core:evidence_preview", args=[notice.pk]))
    assert response["Content-Disposition"] == 'inline; filename="notice.pdf"'
    assert response["Content-Type"] == "application/pdf"
    # Chromium shows a PDF opened in its own tab under `sandbox` (tests/test_csp_browser.py).
    assert "sandbox" in response["Content-Security-Policy"]
    assert "object-src 'self'" in response["Content-Security-Policy"]

    assert client.get(reverse("core:evidence_preview", args=[report.pk])).status_code == 404
    response = client.get(reverse("core:evidence_download", args=[report.pk]))
    assert response["Content-Type"] == ev.ALLOWED["docx"]
    assert response["Content-Disposition"] == 'attachment; filename="report.docx"'


@pytest.mark.django_db
def test_only_get_and_head(client, world, institution_owner):
    evidence = attach(world)
    client.force_login(world.users["district"])
    assert (
        client.post(reverse("core:evidence_download", args=[evidence.pk]), with_token(client)).status_code
        == 405
    )
    assert client.head(reverse("core:evidence_download", args=[evidence.pk])).status_code == 200


@pytest.mark.django_db
def test_x_accel_redirect_leaves_the_body_to_nginx(client, world, institution_owner, settings):
    settings.PORTAL_SENDFILE_HEADER = "X-Accel-Redirect"
    settings.PORTAL_SENDFILE_PREFIX = "/protected-media/"
    evidence = attach(world, name="告知书.pdf", data=PDF)
    client.force_login(world.users["district"])
    response = client.get(reverse("core:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{evidence.file.name}"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    preview = client.get(reverse("core:evidence_preview", args=[evidence.pk]))
    assert preview["Content-Disposition"].startswith("inline;")


@pytest.mark.django_db
@pytest.mark.parametrize("sendfile", ["", "X-Accel-Redirect"])
def test_a_file_missing_on_disk_answers_404(client, world, institution_owner, settings, sendfile):
    settings.PORTAL_SENDFILE_HEADER = sendfile
    evidence = attach(world)
    Path(evidence.file.path).unlink()
    client.force_login(world.users["district"])
    assert client.get(reverse("core:evidence_download", args=[evidence.pk])).status_code == 404


# Removing and purging ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_removed_file_answers_404_but_stays_on_disk(client, world, institution_owner):
    evidence = attach(world)
    with pytest.raises(PermissionDenied):
        ev.evidence_remove(evidence, by=world.users["other_district"])
    ev.evidence_remove(evidence, by=world.users["district"])
    evidence.refresh_from_db()
    assert evidence.removed_at is not None and evidence.removed_by == world.users["district"]
    assert ev.evidence_remove(evidence, by=world.users["district"]).removed_at == evidence.removed_at
    client.force_login(world.users["district"])
    assert client.get(reverse("core:evidence_download", args=[evidence.pk])).status_code == 404
    assert Path(evidence.file.path).exists()
    assert Evidence.objects.filter(pk=evidence.pk).exists()


@pytest.mark.django_db
def test_purging_an_owner_deletes_rows_and_files_after_commit(
    world, institution_owner, django_capture_on_commit_callbacks
):
    live = attach(world)
    removed = attach(world, name="old.pdf", data=PDF)
    ev.evidence_remove(removed, by=world.users["district"])
    kept = attach(world, owner=world.other_institution, by="other_district")
    paths = [Path(live.file.path), Path(removed.file.path)]

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        ev.evidence_purge_for(world.own_institution)
        raise RuntimeError("rolled back")
    assert not callbacks and all(path.exists() for path in paths)
    assert Evidence.objects.count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert ev.evidence_purge_for(world.own_institution) == 2
        assert all(path.exists() for path in paths)  # not before the commit
    assert not any(path.exists() for path in paths)
    assert list(Evidence.objects.all()) == [kept]
    assert Path(kept.file.path).exists()


@pytest.mark.django_db
def test_purge_evidence_command_purges_files_removed_long_ago(
    world, institution_owner, django_capture_on_commit_callbacks
):
    old = attach(world, name="old.png")
    recent = attach(world, name="recent.png")
    live = attach(world, name="live.png")
    for evidence in (old, recent):
        ev.evidence_remove(evidence, by=world.users["district"])
    Evidence.objects.filter(pk=old.pk).update(removed_at=timezone.now() - datetime.timedelta(days=400))
    Evidence.objects.filter(pk=recent.pk).update(removed_at=timezone.now() - datetime.timedelta(days=10))
    out = io.StringIO()
    call_command("purge_evidence", "--dry-run", stdout=out)
    assert ": 1" in out.getvalue()
    assert Evidence.objects.count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_evidence", stdout=io.StringIO())  # default: 365 days
    assert set(Evidence.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}
    assert not Path(old.file.path).exists() and Path(recent.file.path).exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_evidence", "--days", "5", stdout=io.StringIO())
    assert list(Evidence.objects.values_list("pk", flat=True)) == [live.pk]
    assert Path(live.file.path).exists()


# Form and templates --------------------------------------------------------------------------------


def test_evidence_form_checks_the_content():
    form = EvidenceForm(files={"file": upload("notice.pdf", HTML)})
    assert not form.is_valid()
    assert "notice.pdf" in form.errors["file"][0]
    assert "is-invalid" in form.fields["file"].widget.attrs["class"]
    form = EvidenceForm(files={"file": upload("notice.pdf", PDF)})
    assert form.is_valid(), form.errors
    assert EvidenceForm().is_valid() is False


def test_evidence_field_accepts_several_files_when_asked():
    class Form(EvidenceForm):
        file = EvidenceField(multiple=True)

    from django.utils.datastructures import MultiValueDict

    files = MultiValueDict({"file": [upload("a.png", image("PNG")), upload("b.pdf", PDF)]})
    form = Form(files=files)
    assert form.is_valid(), form.errors
    assert [f.name for f in form.cleaned_data["file"]] == ["a.png", "b.pdf"]
    files = MultiValueDict({"file": [upload("a.png", image("PNG")), upload("b.pdf", HTML)]})
    form = Form(files=files)
    assert not form.is_valid() and "b.pdf" in form.errors["file"][0]


def test_upload_template_renders_the_input_with_accept_and_help(settings):
    settings.PORTAL_EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
    with translation.override("en"):
        html = render_to_string("core/_evidence_upload.html", {"form": EvidenceForm()})
    assert 'type="file"' in html and 'name="file"' in html
    accept = re.search(r'accept="([^"]+)"', html).group(1)
    assert {".pdf", ".docx", ".jpg", "image/png", "application/pdf"} <= set(accept.split(","))
    assert ".svg" not in accept and ".html" not in accept
    assert "5.0\xa0MB" in html and "PDF" in html


@pytest.mark.django_db
def test_list_template_shows_thumbnails_previews_and_downloads(world, institution_owner):
    photo = attach(world, name="照片.png")
    notice = attach(world, name="告知书.pdf", data=PDF)
    report = attach(world, name="报告.docx", data=DOCX)
    files = ev.visible_evidence(world.users["district"]).select_related("uploaded_by")
    html = render_to_string("core/_evidence_list.html", {"evidence_files": files})
    for evidence in (photo, notice, report):
        assert reverse("core:evidence_download", args=[evidence.pk]) in html
        assert evidence.original_name in html
    # a list loads the thumbnail made at upload, never the full image (issue 16: photos)
    assert f'<img src="{reverse("core:evidence_preview", args=[photo.pk])}?size=thumbnail"' in html
    assert reverse("core:evidence_preview", args=[notice.pk]) in html
    assert reverse("core:evidence_preview", args=[report.pk]) not in html
    assert "bi-file-earmark-pdf" in html and "bi-file-earmark-word" in html
    assert "李秀梅" in html  # the uploader's full name
    assert html.count('data-testid="evidence-file"') == 3
    empty = render_to_string("core/_evidence_list.html", {"evidence_files": []})
    assert 'data-testid="evidence-empty"' in empty


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["district", "city", "institution", "other_district"])
def test_a_download_checks_the_files_one_owner_not_every_visible_one(
    client, world, institution_owner, viewer, django_assert_max_num_queries
):
    """The owner is looked up by its primary key inside the viewer's scope (issue 11): no query
    lists every institution the viewer may see."""
    evidence = attach(world)
    client.force_login(world.users[viewer])
    client.get(reverse("core:evidence_download", args=[evidence.pk]))  # session, content types
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("core:evidence_download", args=[evidence.pk]))
    assert response.status_code == (404 if viewer == "other_district" else 200)
    owner_checks = [
        q["sql"] for q in captured.captured_queries if 'FROM "institutions_institution"' in q["sql"]
    ]
    assert len(owner_checks) == 1
    assert f'"institutions_institution"."id" = {world.own_institution.pk}' in owner_checks[0]
    # session, user, evidence, the user's region, its subtree, the owner; the 404 page's header also
    # counts the user's unread reminders
    # the 404 page: one more lookup, and its header counts the reader's review queues (dashboards.queues)
    expected = 6 + (3 if viewer == "other_district" else 0)
    assert len(captured) <= expected, [q["sql"] for q in captured.captured_queries]


@pytest.mark.django_db
def test_visible_evidence_checks_each_files_owner_with_exists(world, institution_owner):
    own = attach(world)
    other = attach(world, owner=world.other_institution, by="other_district")
    queryset = ev.visible_evidence(world.users["district"]).filter(pk__in=[own.pk, other.pk])
    sql = str(queryset.query)
    assert "EXISTS" in sql and '"id" = ("core_evidence"."owner_id")' in sql
    assert list(queryset) == [own]
