"""Pictures made on the fly for tests.

``png_bytes``/``jpeg_bytes`` draw a small "photo": a background in ``color`` with a few
shapes and some sensor noise, laid out from a seed made of all the arguments. The same
call gives the same bytes; different colours, sizes or formats give photos the
perceptual hash tells apart (a flat one-colour picture would be refused as blank).
``photo`` and ``variant`` make larger pictures and their edited copies for the photo
checks.
"""
from __future__ import annotations

import io
import random
import zlib
from datetime import datetime

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance


def photo(seed: int | str, size: tuple[int, int] = (640, 480),
          color: tuple[int, int, int] | None = None) -> Image.Image:
    """A picture with 4–8 random shapes on a background and noise; stable per seed."""
    rng = random.Random(zlib.crc32(str(seed).encode()))
    width, height = size
    background = color or tuple(rng.randrange(256) for _ in range(3))
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randrange(4, 9)):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(width // 12 + 1, width // 2 + 2), rng.randrange(height // 12 + 1, height // 2 + 2)
        fill = tuple(rng.randrange(256) for _ in range(3))
        shape = rng.choice(("rectangle", "ellipse", "polygon"))
        if shape == "rectangle":
            draw.rectangle((x, y, x + w, y + h), fill=fill)
        elif shape == "ellipse":
            draw.ellipse((x, y, x + w, y + h), fill=fill)
        else:
            draw.polygon([(rng.randrange(width), rng.randrange(height)) for _ in range(5)], fill=fill)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 6, (height, width, 3))
    pixels = np.clip(np.asarray(image, dtype=np.float64) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def variant(image: Image.Image, kind: str) -> Image.Image:
    """An edited copy: ``resized`` (half size), ``jpeg40`` (re-compressed at quality 40),
    ``crop3``/``crop5`` (3%/5% of width and height cut from the right and bottom),
    ``crop3_centre``/``crop5_left`` (from all sides / the left only), ``brighter``
    (+10%), or ``all`` (resized, cropped 4%, brightened, re-compressed)."""
    width, height = image.size
    if kind == "resized":
        return image.resize((width // 2, height // 2), Image.Resampling.LANCZOS)
    if kind == "jpeg40":
        return Image.open(io.BytesIO(encode(image, "JPEG", quality=40))).convert("RGB")
    if kind in ("crop3", "crop5"):
        cut = int(kind[-1]) / 100
        return image.crop((0, 0, round(width * (1 - cut)), round(height * (1 - cut))))
    if kind == "crop3_centre":
        dx, dy = round(width * 0.015), round(height * 0.015)
        return image.crop((dx, dy, width - dx, height - dy))
    if kind == "crop5_left":
        return image.crop((round(width * 0.05), 0, width, height))
    if kind == "brighter":
        return ImageEnhance.Brightness(image).enhance(1.1)
    if kind == "all":
        edited = image.resize((width * 3 // 4, height * 3 // 4), Image.Resampling.LANCZOS)
        w, h = edited.size
        edited = edited.crop((round(w * 0.04), round(h * 0.04), w, h))
        edited = ImageEnhance.Brightness(edited).enhance(1.1)
        return Image.open(io.BytesIO(encode(edited, "JPEG", quality=40))).convert("RGB")
    raise ValueError(kind)


def png_bytes(width: int = 160, height: int = 120, color: tuple[int, int, int] = (200, 30, 40)) -> bytes:
    return encode(photo(f"png:{width}x{height}:{color}", (width, height), color), "PNG")


def jpeg_bytes(taken_at: datetime | None = None, color: tuple[int, int, int] = (20, 160, 40)) -> bytes:
    """A JPEG, with EXIF DateTimeOriginal (China local time) when ``taken_at`` is given."""
    image = photo(f"jpeg:{color}", (160, 120), color)
    if taken_at is None:
        return encode(image, "JPEG")
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    return encode(image, "JPEG", exif=exif)


def flat_bytes(width: int = 640, height: int = 480, color: tuple[int, int, int] = (250, 250, 250),
               noise: float = 0.0, fmt: str = "JPEG") -> bytes:
    """A blank picture: one colour, optionally with sensor noise."""
    pixels = np.full((height, width, 3), color, dtype=np.float64)
    if noise:
        pixels += np.random.default_rng(7).normal(0, noise, pixels.shape)
    return encode(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)), fmt)
