"""Hostile evidence files and import workbooks: PDFs with scripts or actions, zip bombs, macros.

Every hostile file is built here. The decompression limits are one check (core.archives) run by
evidence uploads and by both imports alike; PDFs are read by core.pdf_actions.
"""

import base64
import io
import random
import zipfile
import zlib

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from core import archives, pdf_actions
from core import evidence as ev
from core.excel import WorkbookError
from core.models import Evidence
from hazards.excel import importer as hazard_import
from institutions.excel import importer as institution_import
from institutions.models import Institution

# Building PDFs -------------------------------------------------------------------------------------


def pdf(*objects: bytes, version: bytes = b"1.4") -> bytes:
    """A PDF whose catalog is object 1 (it may refer to objects 3 and on), then `objects`."""
    body = b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n"
    for number, text in enumerate(objects, start=1):
        body += b"%d 0 obj\n" % number + text + b"\nendobj\n"
    return body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


PAGES = b"<< /Type /Pages /Kids [] /Count 0 >>"
JS_ACTION = b"<< /S /JavaScript /JS (app.alert('hi'); this.submitForm('http://x')) >>"


def object_stream(inner: bytes, *, filters: bytes = b"/FlateDecode", encode=zlib.compress) -> bytes:
    """Object 9 (`inner`) packed in an object stream."""
    data = b"9 0 " + inner
    return stream(b"/Type /ObjStm /N 1 /First 4 /Filter " + filters, encode(data))


HOSTILE_PDFS = {
    "openaction-js": pdf(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>", PAGES, JS_ACTION),
    "page-aa-js": pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /AA << /O 4 0 R >> >>",
        JS_ACTION,
    ),
    "hex-escaped-names": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>",
        PAGES,
        b"<< /S /J#61va#53cript /J#53 (app.alert(1)) >>",
    ),
    "names-javascript-tree": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 3 0 R >> >>",
        PAGES,
        b"<< /Names [(a) 4 0 R] >>",
        b"<< /S /JavaScript /JS 5 0 R >>",
        stream(b"", b"app.alert(1)"),
    ),
    "js-in-compressed-object-stream": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 9 0 R >>",
        PAGES,
        object_stream(JS_ACTION),
        version=b"1.5",
    ),
    "escaped-js-in-object-stream-with-escaped-type": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 9 0 R >>",
        PAGES,
        object_stream(b"<< /S /JavaScript /J#53 (x) >>").replace(b"/ObjStm", b"/Obj#53tm"),
        version=b"1.5",
    ),
    "object-stream-ascii85-and-flate": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 9 0 R >>",
        PAGES,
        object_stream(
            JS_ACTION,
            filters=b"[/ASCII85Decode /FlateDecode]",
            encode=lambda data: base64.a85encode(zlib.compress(data)) + b"~>",
        ),
        version=b"1.5",
    ),
    "object-stream-disguised-as-an-image": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 9 0 R >>",
        PAGES,
        object_stream(JS_ACTION).replace(b"/Type /ObjStm", b"/Type 7 0 R /Subtype /Image"),
        version=b"1.5",
    ),
    "launch-action": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>",
        PAGES,
        b"<< /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >>",
    ),
    "remote-goto": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>",
        PAGES,
        b"<< /S /GoToR /F (\\\\\\\\attacker\\\\share\\\\x.pdf) /D [0 /Fit] >>",
    ),
    "embedded-file": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 3 0 R >> >>",
        PAGES,
        b"<< /Names [(invoice.exe) 4 0 R] >>",
        b"<< /Type /Filespec /F (invoice.exe) /EF << /F 5 0 R >> >>",
        stream(b"/Type /EmbeddedFile", b"MZ\x90\x00"),
    ),
    "xfa-form": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /XFA 3 0 R >> >>",
        PAGES,
        stream(b"", b"<xdp:xdp><script>app.alert(1)</script></xdp:xdp>"),
    ),
}

UNCHECKABLE_PDFS = {
    "object-stream-under-lzw": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 9 0 R >>",
        PAGES,
        object_stream(JS_ACTION, filters=b"/LZWDecode", encode=lambda data: data[::-1]),
        version=b"1.5",
    ),
    "object-stream-with-a-predictor": pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        PAGES,
        object_stream(b"<< >>", filters=b"/FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >>"),
        version=b"1.5",
    ),
    "object-stream-with-an-indirect-filter": pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        PAGES,
        object_stream(b"<< >>", filters=b"4 0 R"),
        version=b"1.5",
    ),
}


def weasyprint_pdf() -> bytes:
    """A real PDF: compressed content streams, an embedded font, an image, links."""
    from weasyprint import HTML

    png = base64.b64encode(_png()).decode()
    html = (
        "<h1>整改报告</h1><p>已于 2026-05-01 完成整改。<a href='https://example.org'>链接</a></p>"
        f"<img src='data:image/png;base64,{png}'>"
    )
    return HTML(string=html).write_pdf()


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 120, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


# Building zips -------------------------------------------------------------------------------------


def office_zip(
    folder: str, extra: dict[str, bytes] | None = None, *, big: tuple[str, int] | None = None
) -> bytes:
    """A minimal 2007+ Office file (`folder`: "word", "xl", "ppt") with `extra` members, and one
    member `big` = (name, size) of zeros, written in chunks (DEFLATE packs it about 1000 times)."""
    main = {"word": "document.xml", "xl": "workbook.xml", "ppt": "presentation.xml"}[folder]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr(f"{folder}/{main}", b"<x/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
        if big:
            name, size = big
            chunk = b"\0" * (1 << 20)
            with archive.open(name, "w", force_zip64=True) as member:
                for _ in range(size >> 20):
                    member.write(chunk)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def xlsx_bomb() -> bytes:
    """A real workbook (it opens in Excel) with a 400 MB sheet that packs to about 400 KB."""
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "名称"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        chunk = b" " * (1 << 20)
        with archive.open("xl/worksheets/sheet2.xml", "w", force_zip64=True) as member:
            for _ in range(400):
                member.write(chunk)
    return buffer.getvalue()


def many_members(folder: str) -> bytes:
    return office_zip(folder, {f"{folder}/media/part{n}.xml": b"" for n in range(archives.MAX_MEMBERS)})


def ratio_bomb(folder: str) -> bytes:
    """Under the 200 MB total, but one part unpacks to 20 MB from about 20 KB."""
    return office_zip(folder, big=(f"{folder}/media/image1.bin", 20 << 20))


# Helpers ------------------------------------------------------------------------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def refusal(name: str, data: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        ev.validate_upload(upload(name, data))
    return refused.value


def ole2(*entries: tuple[str, int]) -> bytes:
    """A compound file whose directory holds the root and `entries` (name, type: 1 storage, 2
    stream), aligned as real directory entries are."""
    header = bytearray(512)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")

    def entry(name: str, kind: int) -> bytes:
        raw = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\0\0"
        raw[: len(encoded)] = encoded
        raw[64:66] = len(encoded).to_bytes(2, "little")
        raw[66] = kind
        return bytes(raw)

    directory = entry("Root Entry", 5) + b"".join(entry(name, kind) for name, kind in entries)
    directory += bytes(-len(directory) % 512)
    return bytes(header) + directory + bytes(512)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_SENDFILE_HEADER = ""


# PDFs ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(HOSTILE_PDFS))
def test_a_pdf_with_scripts_or_actions_is_refused_naming_the_file(case):
    with translation.override("zh-hans"):
        error = refusal(f"{case}.pdf", HOSTILE_PDFS[case])
        assert error.code == "pdf_active_content"
        assert f"{case}.pdf" in error.messages[0]


@pytest.mark.parametrize(
    ("case", "names"),
    [
        ("openaction-js", {"JS", "JavaScript"}),
        ("hex-escaped-names", {"JS", "JavaScript"}),
        ("js-in-compressed-object-stream", {"JS", "JavaScript"}),
        ("escaped-js-in-object-stream-with-escaped-type", {"JS", "JavaScript"}),
        ("launch-action", {"Launch"}),
        ("remote-goto", {"GoToR"}),
        ("embedded-file", {"EmbeddedFile", "EmbeddedFiles"}),
        ("xfa-form", {"XFA"}),
    ],
)
def test_the_names_found_are_the_ones_in_the_file(case, names):
    assert pdf_actions.active_names(HOSTILE_PDFS[case]) == names


def test_the_object_stream_case_really_hides_its_script():
    """The script in a compressed object stream is not in the file's own bytes."""
    data = HOSTILE_PDFS["js-in-compressed-object-stream"]
    assert b"/JS" not in data and b"JavaScript" not in data


@pytest.mark.parametrize("case", sorted(UNCHECKABLE_PDFS))
def test_a_pdf_that_cannot_be_checked_is_refused(case):
    error = refusal(f"{case}.pdf", UNCHECKABLE_PDFS[case])
    assert error.code == "pdf_uncheckable"
    assert f"{case}.pdf" in error.messages[0]


def test_an_encrypted_pdf_with_object_streams_cannot_be_checked():
    data = pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        PAGES,
        object_stream(b"<< >>", encode=lambda data: bytes(byte ^ 0x5A for byte in data)),
        version=b"1.5",
    ).replace(b"trailer\n<< /Root 1 0 R", b"trailer\n<< /Root 1 0 R /Encrypt 5 0 R")
    assert refusal("protected.pdf", data).code == "pdf_uncheckable"


def test_a_decompression_bomb_in_a_pdf_is_not_inflated_without_end(settings, monkeypatch):
    monkeypatch.setattr(pdf_actions, "MAX_DECODED_BYTES", 1 << 20)
    data = pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        PAGES,
        stream(
            b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", zlib.compress(b"9 0 " + b" " * (4 << 20))
        ),
    )
    assert refusal("bomb.pdf", data).code == "pdf_uncheckable"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            pdf(
                b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /Annots [<< /Subtype /Link /A << /S /URI /URI (https://x.cn) >> >>] >>",
            ),
            id="openaction-goto-and-a-link",
        ),
        pytest.param(
            pdf(
                b"<< /Type /Catalog /Pages 2 0 R >>",
                PAGES,
                object_stream(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
                version=b"1.5",
            ),
            id="clean-object-stream",
        ),
    ],
)
def test_a_clean_pdf_is_accepted(data):
    assert ev.validate_upload(upload("书面告知.pdf", data)) == ("application/pdf", "pdf")


def test_a_real_pdf_with_fonts_images_and_links_is_accepted():
    data = weasyprint_pdf()
    assert b"FlateDecode" in data
    assert ev.validate_upload(upload("整改报告.pdf", data)) == ("application/pdf", "pdf")


@pytest.mark.django_db
def test_a_refused_pdf_is_not_stored_and_the_form_says_why(client, world, settings):
    """Through the hazard ledger's evidence upload: the answer names the file, nothing is stored."""
    registered = Institution in ev.owner_models()
    ev.register_owner(Institution)
    try:
        with pytest.raises(ValidationError):
            ev.evidence_attach(
                owner=world.own_institution,
                file=upload("通知.pdf", HOSTILE_PDFS["js-in-compressed-object-stream"]),
                purpose="before",
                by=world.users["district"],
            )
        assert not Evidence.objects.exists()
        assert not (settings.MEDIA_ROOT / "evidence").exists()
    finally:
        if not registered:
            ev.unregister_owner(Institution)


# Zip bombs -----------------------------------------------------------------------------------------


def test_the_400_mb_workbook_is_refused_as_evidence_and_by_both_imports(xlsx_bomb):
    assert len(xlsx_bomb) < 1024 * 1024
    with translation.override("zh-hans"):
        error = refusal("台账.xlsx", xlsx_bomb)
    assert error.code in {"unpacked_too_large", "ratio"}
    assert "台账.xlsx" in error.messages[0]
    for read_rows in (institution_import.read_rows, hazard_import.read_rows):
        with pytest.raises(WorkbookError) as refused:
            read_rows(xlsx_bomb)
        assert refused.value.code == "too_large"


def test_a_workbook_over_the_total_is_refused_whatever_its_ratio(monkeypatch):
    """The total alone: a workbook stored (not compressed) over the limit."""
    monkeypatch.setattr(archives, "MAX_UNPACKED_BYTES", 3 << 20)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<x/>")
        archive.writestr("xl/media/image1.png", bytes(4 << 20))
    data = buffer.getvalue()
    assert refusal("大.xlsx", data).code == "unpacked_too_large"
    with pytest.raises(WorkbookError) as refused:
        institution_import.read_rows(data)
    assert refused.value.code == "too_large"


@pytest.mark.parametrize(("folder", "name"), [("word", "报告.docx"), ("ppt", "汇报.pptx"), ("xl", "表.xlsx")])
def test_office_bombs_of_every_kind_are_refused(folder, name):
    assert refusal(name, ratio_bomb(folder)).code == "ratio"
    error = refusal(name, many_members(folder))
    assert error.code == "too_many_members"
    assert name in error.messages[0]


def test_the_imports_refuse_a_workbook_with_too_many_members():
    data = many_members("xl")
    for read_rows in (institution_import.read_rows, hazard_import.read_rows):
        with pytest.raises(WorkbookError) as refused:
            read_rows(data)
        assert refused.value.code == "too_large"


def test_office_files_within_the_limits_are_accepted():
    """Real office parts: a 5 MB photo, 2,000 small parts, 3 MB of sheet XML."""
    photo = office_zip("word", {"word/media/image1.jpeg": random.Random(1).randbytes(5 << 20)})
    parts = office_zip("ppt", {f"ppt/slides/slide{n}.xml": b"<p:sld/>" for n in range(2000)})
    rows = b"".join(
        b"<row r='%d'><c r='A%d' s='3'><v>%d</v></c></row>" % (n, n, n * 7) for n in range(80_000)
    )
    sheet = office_zip("xl", {"xl/worksheets/sheet1.xml": rows})
    assert ev.validate_upload(upload("照片.docx", photo))[1] == "docx"
    assert ev.validate_upload(upload("汇报.pptx", parts))[1] == "pptx"
    assert ev.validate_upload(upload("表.xlsx", sheet))[1] == "xlsx"


# Old Office files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "entries"),
    [
        ("旧报告.doc", [("WordDocument", 2), ("Macros", 1), ("_VBA_PROJECT", 2)]),
        ("旧台账.xls", [("Workbook", 2), ("_VBA_PROJECT_CUR", 1)]),
        ("旧汇报.ppt", [("PowerPoint Document", 2), ("_VBA_PROJECT", 2)]),
    ],
)
def test_a_97_2003_document_with_macros_is_refused(name, entries):
    error = refusal(name, ole2(*entries))
    assert error.code == "macros"
    assert name in error.messages[0]


def test_a_97_2003_document_that_only_mentions_macros_is_accepted():
    """A stream named like a macro storage but of another entry type is not a macro project."""
    assert ev.validate_upload(upload("旧报告.doc", ole2(("WordDocument", 2), ("Macros", 2))))[1] == "doc"


# The preview ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pdf_preview_is_sandboxed(client, world):
    registered = Institution in ev.owner_models()
    ev.register_owner(Institution)
    try:
        evidence = ev.evidence_attach(
            owner=world.own_institution,
            file=upload("整改报告.pdf", weasyprint_pdf()),
            purpose="before",
            by=world.users["district"],
        )
        client.force_login(world.users["district"])
        response = client.get(reverse("core:evidence_preview", args=[evidence.pk]))
        policy = response["Content-Security-Policy"]
        assert response["Content-Disposition"].startswith("inline;")
        assert "sandbox" in [part.strip().split(" ")[0] for part in policy.split(";")]
        assert "default-src 'none'" in policy
        assert len(response.headers.get("Content-Security-Policy", "").split(",")) == 1
    finally:
        if not registered:
            ev.unregister_owner(Institution)


# The disclosure's policy files: the other PDFs the portal takes, and shows to the public ---------


@pytest.mark.parametrize(
    "case", ["openaction-js", "hex-escaped-names", "js-in-compressed-object-stream", "launch-action"]
)
def test_a_policy_pdf_with_scripts_or_actions_is_refused_naming_the_file(client, world, case):
    from disclosure.models import SupportPolicy
    from tests.submissions import with_token

    client.force_login(world.users["district"])
    data = {
        "title": "关于支持养老机构发展的若干措施",
        "issuing_body": "铁东区人民政府办公室",
        "issued_on": "2020-06-01",
        "region": world.regions["210302"].pk,
        "file": SimpleUploadedFile(f"{case}.pdf", HOSTILE_PDFS[case], content_type="application/pdf"),
    }
    with translation.override("zh-hans"):
        response = client.post(reverse("disclosure:policy_create"), {**data, **with_token(client)})
        same_as_evidence = refusal(f"{case}.pdf", HOSTILE_PDFS[case]).messages
    assert response.status_code == 200
    assert response.context["form"].errors.get("file") == same_as_evidence
    assert f"{case}.pdf" in same_as_evidence[0]
    assert not SupportPolicy.objects.exists()


@pytest.mark.django_db
def test_a_published_policy_pdf_is_shown_sandboxed(client, world):
    from tests.disclosure import factories

    policy = factories.published_policy(world)
    response = client.get(reverse("disclosure:policy_file", kwargs={"pk": policy.pk}))
    assert response.status_code == 200
    policies = [value for key, value in response.items() if key.lower() == "content-security-policy"]
    assert len(policies) == 1
    assert "sandbox" in [part.strip() for part in policies[0].split(";")]
