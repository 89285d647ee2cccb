"""Photos as evidence you can trust (issue 16 item 4, core.photos): HEIC with a JPEG rendition,
thumbnails made once and used by every list, EXIF time and position, the two capture-time flags,
reused photos flagged without naming what the reader cannot see, hostile images refused, and the
thumbnail backfill."""

import datetime
import io
import random
import re
import struct
import zlib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from PIL import Image

from core import evidence as ev
from core import photos
from core.models import Evidence
from hazards import services
from tests.hazards.factories import record

pytestmark = pytest.mark.urls("tests.photos.urls")

FILES = Path(__file__).resolve().parent / "files"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(name: str, as_name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(as_name or name, (FILES / name).read_bytes())


def attach(hazard, name, by, *, purpose="before", as_name=None) -> Evidence:
    return services.evidence_add(hazard=hazard, file=upload(name, as_name), purpose=purpose, by=by)


def stored(field) -> bytes:
    with field.storage.open(field.name, "rb") as stream:
        return stream.read()


def files_on_disk(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# HEIC ----------------------------------------------------------------------------------------------


def test_an_iphone_heic_is_stored_as_uploaded_with_a_jpeg_rendition(client, world, district):
    hazard = record(world.own_institution, district)
    evidence = attach(hazard, "site.heic", district, as_name="IMG_0001.HEIC")
    assert evidence.mime_type == "image/heic"
    assert evidence.file.name.endswith(".heic")
    assert stored(evidence.file) == (FILES / "site.heic").read_bytes()  # the original, untouched
    with Image.open(io.BytesIO(stored(evidence.rendition))) as rendition:
        assert rendition.format == "JPEG" and rendition.size == (640, 480)
        assert not rendition.getexif()  # no EXIF, so no GPS, on what pages show
    client.force_login(district)
    preview = client.get(reverse("core:evidence_preview", args=[evidence.pk]))
    assert preview["Content-Type"] == "image/jpeg"
    assert body(preview) == stored(evidence.rendition)
    download = client.get(reverse("core:evidence_download", args=[evidence.pk]))
    assert download["Content-Type"] == "image/heic"
    assert body(download) == (FILES / "site.heic").read_bytes()


def test_a_jpeg_gets_no_rendition_and_its_preview_is_the_file(client, world, district):
    evidence = attach(record(world.own_institution, district), "site.jpg", district)
    assert not evidence.rendition
    client.force_login(district)
    preview = client.get(reverse("core:evidence_preview", args=[evidence.pk]))
    assert body(preview) == (FILES / "site.jpg").read_bytes()


# Thumbnails ------------------------------------------------------------------------------------------


def test_the_thumbnail_is_small_and_carries_no_exif(world, district):
    for name in ("site.jpg", "site.heic", "other.png"):
        evidence = attach(record(world.own_institution, district), name, district)
        assert evidence.thumbnail.name.rsplit("/", 1)[0] == evidence.file.name.rsplit("/", 1)[0]  # beside it
        with Image.open(io.BytesIO(stored(evidence.thumbnail))) as thumbnail:
            assert thumbnail.format == "JPEG"
            assert max(thumbnail.size) == 320
            assert not thumbnail.getexif()
            assert "exif" not in thumbnail.info and "xmp" not in thumbnail.info


def test_lists_show_the_thumbnail_and_never_the_full_image(client, world, district, media):
    hazard = record(world.own_institution, district)
    photo = attach(hazard, "site.heic", district)
    attach(hazard, "other.png", district, purpose="after")
    before = files_on_disk(media)
    client.force_login(district)
    for _ in range(2):
        page = client.get(reverse("hazards:detail", args=[hazard.pk])).content.decode()
        images = re.findall(r'<img src="([^"]+)"', page)
        assert f"/files/{photo.pk}/preview/?size=thumbnail" in images
        assert images and all(src.endswith("?size=thumbnail") for src in images if "/files/" in src)
        thumbnail = client.get(reverse("core:evidence_preview", args=[photo.pk]), {"size": "thumbnail"})
        assert thumbnail["Content-Type"] == "image/jpeg"
        assert body(thumbnail) == stored(photo.thumbnail)
    assert files_on_disk(media) == before  # made once, on upload: reading writes nothing
    photo.refresh_from_db()
    assert Evidence.objects.get(pk=photo.pk).thumbnail.name == photo.thumbnail.name


def test_the_answer_page_shows_thumbnails_too(client, world, district):
    from campaign import answers
    from campaign.models import ItemAnswer

    item = world.campaign.items.filter(level="county").order_by("number").first()
    answer = ItemAnswer(item=item, region=district.region)
    evidence = answers.answer_add_evidence(answer=answer, file=upload("site.jpg"), by=district)
    client.force_login(district)
    page = client.get(reverse("checklist:answer", args=[item.number])).content.decode()
    assert f"/files/{evidence.pk}/preview/?size=thumbnail" in page
    assert f'src="/files/{evidence.pk}/preview/"' not in page


def test_a_thumbnail_of_a_file_that_is_not_an_image_is_not_found(client, world, district):
    hazard = record(world.own_institution, district)
    pdf = services.evidence_add(
        hazard=hazard,
        file=SimpleUploadedFile("告知书.pdf", b"%PDF-1.4\n%%EOF\n"),
        purpose="before",
        by=district,
    )
    client.force_login(district)
    url = reverse("core:evidence_preview", args=[pdf.pk])
    assert client.get(url, {"size": "thumbnail"}).status_code == 404
    assert client.get(url, {"size": "huge"}).status_code == 404


def test_the_thumbnail_is_scoped_like_the_file(client, world, district):
    evidence = attach(record(world.own_institution, district), "site.jpg", district)
    client.force_login(world.users["other_district"])
    url = reverse("core:evidence_preview", args=[evidence.pk])
    assert client.get(url, {"size": "thumbnail"}).status_code == 404
    client.logout()
    assert client.get(url, {"size": "thumbnail"}).status_code == 302  # to the login page


# EXIF ------------------------------------------------------------------------------------------------


def test_the_exif_capture_time_and_position_are_kept_and_shown(client, world, district):
    hazard = record(world.own_institution, district)
    evidence = attach(hazard, "site.jpg", district)
    assert evidence.taken_at == datetime.datetime(2026, 11, 28, 14, 3, tzinfo=SHANGHAI)  # no offset: Shanghai
    assert (float(evidence.latitude), float(evidence.longitude)) == (41.11, 122.99)
    assert evidence.camera == "Apple iPhone 15"
    heic = attach(hazard, "site.heic", district, purpose="after")
    assert heic.taken_at == evidence.taken_at and heic.latitude == evidence.latitude
    client.force_login(district)
    page = client.get(reverse("hazards:detail", args=[hazard.pk])).content.decode()
    assert "拍摄于 2026-11-28 14:03 · 北纬41.11° 东经122.99° · Apple iPhone 15" in page


def test_a_photo_without_exif_says_so_and_is_not_flagged(client, world, district):
    hazard = record(world.own_institution, district)
    evidence = attach(hazard, "other.png", district)
    assert evidence.taken_at is None and evidence.latitude is None and evidence.camera == ""
    client.force_login(district)
    page = client.get(reverse("hazards:detail", args=[hazard.pk])).content.decode()
    assert "无拍摄信息" in page
    assert 'data-testid="photo-flag"' not in page


def test_an_exif_offset_is_used_and_southern_western_positions_are_negative():
    data = Image.Exif()
    data.get_ifd(0x8769)[0x9003] = "2026:11:28 01:00:00"
    data.get_ifd(0x8769)[0x9011] = "-05:00"
    gps = data.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "S", (33.0, 52.0, 0.0), "W", (70.0, 39.0, 0.0)
    taken_at, latitude, longitude, _camera = photos.read_exif(data)
    assert taken_at == datetime.datetime(2026, 11, 28, 14, 0, tzinfo=SHANGHAI)
    assert latitude < 0 and longitude < 0
    with translation.override("zh-hans"):
        evidence = Evidence(taken_at=taken_at, latitude=latitude, longitude=longitude, mime_type="image/jpeg")
        assert photos.caption(evidence) == "拍摄于 2026-11-28 14:00 · 南纬33.87° 西经70.65°"


# Flags -----------------------------------------------------------------------------------------------


def test_a_capture_time_after_the_upload_is_flagged(client, world, district, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI), tick=False)
    hazard = record(world.own_institution, district, found_on=datetime.date(2026, 11, 18))
    attach(hazard, "site.jpg", district)  # taken 2026-11-28, uploaded 2026-11-20
    client.force_login(district)
    page = client.get(reverse("hazards:detail", args=[hazard.pk])).content.decode()
    assert "拍摄时间存疑" in page
    assert "拍摄时间2026-11-28 14:03晚于上传时间（2026-11-20 09:00）。" in page


def test_a_photo_taken_months_before_the_finding_is_flagged(client, world, district, time_machine):
    time_machine.move_to(datetime.datetime(2027, 3, 20, 9, 0, tzinfo=SHANGHAI), tick=False)
    hazard = record(
        world.own_institution,
        district,
        found_on=datetime.date(2027, 3, 15),
        deadline=datetime.date(2027, 4, 30),
    )
    recent = record(
        world.own_institution,
        district,
        found_on=datetime.date(2027, 1, 10),
        deadline=datetime.date(2027, 4, 30),
    )
    attach(hazard, "site.jpg", district)
    attach(recent, "site.jpg", district)  # 43 days before: within the 90-day window
    client.force_login(district)
    page = client.get(reverse("hazards:detail", args=[hazard.pk])).content.decode()
    assert "拍摄于发现隐患（2027-03-15）之前107天。" in page
    page = client.get(reverse("hazards:detail", args=[recent.pk])).content.decode()
    assert 'data-testid="photo-flag"' not in page


def test_the_window_is_a_setting(world, district, time_machine, settings):
    time_machine.move_to(datetime.datetime(2027, 1, 12, 9, 0, tzinfo=SHANGHAI), tick=False)
    hazard = record(
        world.own_institution,
        district,
        found_on=datetime.date(2027, 1, 10),
        deadline=datetime.date(2027, 4, 30),
    )
    evidence = attach(hazard, "site.jpg", district)
    finding = (hazard.found_on, "发现隐患")
    assert photos.flags(evidence, finding) == []
    settings.PORTAL_PHOTO_MAX_AGE_DAYS = 30
    assert len(photos.flags(evidence, finding)) == 1


# Reuse -----------------------------------------------------------------------------------------------


@pytest.fixture
def reused(world, district):
    """The same site photographed once, attached to a 铁东 hazard and (resized, recompressed, without
    EXIF) to a 铁西 hazard by the other district."""
    own = record(world.own_institution, district)
    other = record(world.other_institution, world.users["other_district"])
    first = attach(own, "site.jpg", district)
    second = attach(other, "site_resaved.jpg", world.users["other_district"])
    return own, other, first, second


def test_a_photo_reused_for_another_institutions_hazard_is_linked_both_ways(reused):
    own, other, first, second = reused  # noqa: RUF059
    assert photos.distance(first.phash, second.phash) <= photos.reuse_distance()
    assert list(first.reused_with.all()) == [second]
    assert list(second.reused_with.all()) == [first]


def test_the_city_sees_both_records_named(client, world, reused):
    own, other, first, second = reused  # noqa: RUF059
    client.force_login(world.users["city"])
    page = client.get(reverse("hazards:detail", args=[own.pk])).content.decode()
    assert "照片重复使用" in page
    assert (
        f'此照片也用于<a href="/hazards/{other.pk}/" class="link-danger">隐患{other.code}（铁西区测试养老院）</a>'
        in page
    )
    page = client.get(reverse("hazards:detail", args=[other.pk])).content.decode()
    assert f"隐患{own.code}（铁东区测试养老院）" in page


def test_a_district_is_told_of_a_reuse_outside_its_scope_without_its_name(client, world, reused):
    own, other, first, second = reused  # noqa: RUF059
    client.force_login(world.users["district"])
    page = client.get(reverse("hazards:detail", args=[own.pk])).content.decode()
    assert "此照片也用于1处你无权查看的记录" in page
    assert other.code not in page and "铁西区测试养老院" not in page


def test_an_institution_is_told_nothing_it_cannot_see(client, world, reused):
    own, other, first, second = reused  # noqa: RUF059
    client.force_login(world.users["institution"])
    page = client.get(reverse("hazards:detail", args=[own.pk])).content.decode()
    assert 'data-testid="photo-reused"' not in page
    assert other.code not in page and "铁西区" not in page


def test_the_same_photo_twice_on_one_hazard_is_not_a_reuse(world, district):
    hazard = record(world.own_institution, district)
    attach(hazard, "site.jpg", district, purpose="before")
    after = attach(hazard, "site.heic", district, purpose="after")
    assert not after.reused_with.exists()


def test_a_different_photo_is_not_a_reuse(world, district):
    first = attach(record(world.own_institution, district), "site.jpg", district)
    tiexi = world.users["other_district"]
    second = attach(record(world.other_institution, tiexi), "other.png", tiexi)
    assert photos.distance(first.phash, second.phash) > photos.reuse_distance()
    assert not second.reused_with.exists()


def test_featureless_pictures_get_no_hash(world, district):
    blank = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(blank, format="PNG")
    one = services.evidence_add(
        hazard=record(world.own_institution, district),
        file=SimpleUploadedFile("a.png", blank.getvalue()),
        purpose="before",
        by=district,
    )
    assert one.phash == "" and one.thumbnail


def test_the_reused_photos_list_is_scoped(client, world, reused):
    own, other, first, second = reused  # noqa: RUF059
    url = reverse("core:evidence_reused")
    client.force_login(world.users["city"])
    page = client.get(url).content.decode()
    assert page.count('data-testid="reused-photo"') == 2
    client.force_login(world.users["district"])
    page = client.get(url).content.decode()
    assert page.count('data-testid="reused-photo"') == 1
    assert f"/files/{first.pk}/preview/?size=thumbnail" in page
    assert other.code not in page and f"/files/{second.pk}/" not in page
    client.force_login(world.users["institution"])
    page = client.get(url).content.decode()
    assert 'data-testid="reused-empty"' in page


def test_the_reused_list_runs_the_same_queries_for_2_and_for_5_photos(client, world, district):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users["city"])
    url = reverse("core:evidence_reused")
    counts = []
    for round_ in range(2):
        for _ in range(2 if round_ == 0 else 3):
            attach(record(world.own_institution, district), "site.jpg", district)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_bands_find_every_hash_within_the_distance():
    generator = random.Random(16)
    for _ in range(2000):
        a = generator.getrandbits(64)
        b = a
        for bit in generator.sample(range(64), generator.randint(0, photos.reuse_distance())):
            b ^= 1 << bit
        first, second = f"{a:016x}", f"{b:016x}"
        assert any(x == y for x, y in zip(photos.bands(first), photos.bands(second), strict=True))


# Hostile files ---------------------------------------------------------------------------------------


def refusal(name: str, data: bytes) -> ValidationError:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        ev.validate_upload(SimpleUploadedFile(name, data))
    return caught.value


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares `width` × `height` pixels (a decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", 0)
        + b"IEND"
        + struct.pack(">I", zlib.crc32(b"IEND"))
    )


def test_a_text_file_named_heic_is_refused_in_chinese():
    error = refusal("IMG_0002.heic", "这不是照片".encode() * 20)
    assert error.code == "content_unknown"
    assert error.messages == ["“IMG_0002.heic”的内容不是图片：文件可能已损坏，或是其他类型的文件改了扩展名。"]


@pytest.mark.parametrize("size", [(10_000, 10_000), (100_000, 100_000)])
def test_a_decompression_bomb_is_refused_before_decoding(size):
    error = refusal("bomb.png", png_declaring(*size))
    assert error.code == "too_many_pixels"
    assert "超过60百万像素" in error.messages[0] and "bomb.png" in error.messages[0]


def test_a_heic_over_the_pixel_limit_is_refused(settings, world, district):
    settings.PORTAL_EVIDENCE_MAX_PIXELS = 100_000
    assert refusal("IMG_0003.heic", (FILES / "site.heic").read_bytes()).code == "too_many_pixels"
    hazard = record(world.own_institution, district)
    with pytest.raises(ValidationError):
        attach(hazard, "site.heic", district)
    assert not Evidence.objects.exists()


def test_a_truncated_heic_is_refused_and_leaves_no_file(world, district, media):
    data = (FILES / "site.heic").read_bytes()
    hazard = record(world.own_institution, district)
    before = files_on_disk(media)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.evidence_add(
            hazard=hazard, file=SimpleUploadedFile("cut.heic", data[:600]), purpose="before", by=district
        )
    assert "无法读取" in caught.value.messages[0] or "不是图片" in caught.value.messages[0]
    assert files_on_disk(media) == before and not Evidence.objects.exists()


# Backfill --------------------------------------------------------------------------------------------


def test_the_thumbnail_backfill_fills_old_photos_once(client, world, district, reused):
    own, other, first, second = reused  # noqa: RUF059
    # as stored before thumbnails existed
    first.thumbnail.storage.delete(first.thumbnail.name)
    first.reused_with.clear()
    Evidence.objects.filter(pk=first.pk).update(
        thumbnail="", phash="", phash_band0=None, taken_at=None, latitude=None, longitude=None, camera=""
    )
    client.force_login(district)
    page = client.get(reverse("hazards:detail", args=[own.pk])).content.decode()
    assert f"/files/{first.pk}/preview/" not in re.findall(
        r'<img src="([^"]+)"', page
    )  # an icon, no full image
    assert not Evidence.objects.get(pk=first.pk).thumbnail  # a GET made nothing
    out = io.StringIO()
    call_command("evidence_thumbnails", stdout=out)
    assert out.getvalue().startswith("1 thumbnails made")
    first.refresh_from_db()
    assert first.thumbnail and first.phash and first.taken_at is not None
    assert list(first.reused_with.all()) == [second]
    name = first.thumbnail.name
    out = io.StringIO()
    call_command("evidence_thumbnails", stdout=out)
    assert out.getvalue().startswith("0 thumbnails made")
    first.refresh_from_db()
    assert first.thumbnail.name == name
