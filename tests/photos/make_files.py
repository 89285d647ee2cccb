"""Make the photo fixtures in tests/photos/files/ (run: .venv/bin/python tests/photos/make_files.py).

Small pictures with structure (so their perceptual hashes differ), and EXIF written with Pillow:
- site.jpg: 640 × 480, taken 2026-11-28 14:03:00 (no offset), 北纬41.11° 东经122.99° (鞍山), Apple iPhone 15;
- site.heic: the same picture and EXIF as an iPhone HEIC (pillow-heif);
- site_resaved.jpg: site.jpg shrunk to 480 × 360 and saved again at quality 60, no EXIF (a near duplicate);
- other.png: another picture, no EXIF.
"""

from pathlib import Path

import pillow_heif
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent / "files"
EXIF_IFD, GPS_IFD = 0x8769, 0x8825


def picture(seed: int) -> Image.Image:
    image = Image.new("RGB", (640, 480), (230, 225, 210))
    draw = ImageDraw.Draw(image)
    for index in range(12):
        x = (seed * 97 + index * 53) % 560
        y = (seed * 61 + index * 37) % 400
        colour = ((seed * 40 + index * 20) % 255, (index * 70) % 255, (seed * 90 + 30) % 255)
        if (index + seed) % 2:
            draw.rectangle([x, y, x + 80, y + 60], fill=colour)
        else:
            draw.ellipse([x, y, x + 70, y + 70], fill=colour)
    draw.line([0, 0, 640, 480], fill=(20, 20, 20), width=8)
    return image


def exif() -> Image.Exif:
    data = Image.Exif()
    data[0x010F] = "Apple"
    data[0x0110] = "iPhone 15"
    data.get_ifd(EXIF_IFD)[0x9003] = "2026:11:28 14:03:00"
    gps = data.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (41.0, 6.0, 36.0)  # 41.11°
    gps[3], gps[4] = "E", (122.0, 59.0, 24.0)  # 122.99°
    return data


def main() -> None:
    HERE.mkdir(exist_ok=True)
    site = picture(1)
    site.save(HERE / "site.jpg", format="JPEG", quality=80, exif=exif())
    pillow_heif.register_heif_opener()
    site.save(HERE / "site.heic", format="HEIF", quality=60, exif=exif())
    site.resize((480, 360)).save(HERE / "site_resaved.jpg", format="JPEG", quality=60)
    picture(5).save(HERE / "other.png", format="PNG", optimize=True)


if __name__ == "__main__":
    main()
