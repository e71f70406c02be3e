"""Pictures made on the fly for tests."""
from __future__ import annotations

import io
from datetime import datetime

from PIL import Image


def png_bytes(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 30, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(taken_at: datetime | None = None, color: tuple[int, int, int] = (20, 160, 40)) -> bytes:
    """A JPEG, with EXIF DateTimeOriginal (China local time) when ``taken_at`` is given."""
    image = Image.new("RGB", (80, 60), color)
    buffer = io.BytesIO()
    if taken_at is None:
        image.save(buffer, format="JPEG")
    else:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()
