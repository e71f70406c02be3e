"""Checks that bytes are a real, sane picture and reads what we need from it.

A picture is refused as ``NotAnImage`` when it cannot be read, is not an allowed format
or has too many pixels, and as ``PhotoUnclear`` (a ``NotAnImage``) when it is real but
cannot show a problem: a side shorter than ``MIN_SIDE`` pixels (a thumbnail, an icon)
or one flat colour (``fingerprint.is_blank``: a covered lens, an empty screenshot).
An accepted picture comes back with its size, its camera time (EXIF) and its
perceptual fingerprint (``bot.evidence.fingerprint``).
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone

from PIL import Image, UnidentifiedImageError

from bot.evidence.errors import NotAnImage, PhotoUnclear
from bot.evidence.fingerprint import PhotoFingerprint, fingerprint, is_blank
from bot.timefmt import CHINA

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp",
                   "GIF": "image/gif", "BMP": "image/bmp"}
#: Shorter sides than this cannot show what is wrong with the goods.
MIN_SIDE = 120
MAX_PIXELS = 50_000_000
_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_IFD = 0x8769
_EXIF_DATETIME = 0x0132


@dataclass(frozen=True)
class ImageInfo:
    mime_type: str
    extension: str
    width: int
    height: int
    taken_at: datetime | None
    fingerprint: PhotoFingerprint | None = None


def _taken_at(image: Image.Image) -> datetime | None:
    exif = image.getexif()
    raw = exif.get_ifd(_EXIF_IFD).get(_EXIF_DATETIME_ORIGINAL) or exif.get(_EXIF_DATETIME)
    if not raw:
        return None
    try:
        # EXIF has no zone; phones in China write local time.
        local = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return local.replace(tzinfo=CHINA).astimezone(timezone.utc)


def inspect_image(data: bytes) -> ImageInfo:
    """Validates ``data`` as a picture that can show a problem, and fingerprints it.

    Raises:
        PhotoUnclear: a side shorter than ``MIN_SIDE``, or one flat colour.
        NotAnImage: unreadable, an unsupported format, or too many pixels.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                fmt, (width, height) = image.format, image.size
                if width * height > MAX_PIXELS:
                    raise NotAnImage("too many pixels")
                if fmt not in ALLOWED_FORMATS:
                    raise NotAnImage(f"unsupported format {fmt}")
                if min(width, height) < MIN_SIDE:
                    raise PhotoUnclear("tiny", f"{width}x{height} pixels")
                image.load()
                if is_blank(image):
                    raise PhotoUnclear("blank", "one flat colour")
                taken_at = _taken_at(image)
                prints = fingerprint(image)
    except NotAnImage:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise NotAnImage(str(error)) from error
    return ImageInfo(ALLOWED_FORMATS[fmt], fmt.lower().replace("jpeg", "jpg"), width, height,
                     taken_at, prints)
