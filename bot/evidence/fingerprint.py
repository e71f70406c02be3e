"""Perceptual fingerprints of evidence photos, and the blank-picture test.

A photo reused for another claim is rarely byte-identical: it is resized, re-compressed
(WeChat does that on every forward), cropped a little or brightened. The SHA-256 of the
file catches only the identical copy; these fingerprints catch the edited ones.

**Hashes.** DCT perceptual hashes (pHash): the picture in grey, averaged down to 32×32,
a 2-D DCT-II; each bit says whether one low-frequency coefficient is above their median.
Two of them come from the same DCT: ``coarse``, the classic 64 bits of the 8×8 lowest
frequencies, used to *find* candidates through an index; and ``fine``, 143 bits of the
12×12 lowest (DC left out), used to *decide*. Measured on generated photos
(``tests/images.py``): resizing, JPEG quality 40, +10% brightness and 3–5% crops move
``fine`` by at most about 18 bits, while 45,000 pairs of distinct photos were never
closer than 40; the 64-bit hash alone cannot separate them that well (8 vs 8).

**Crops.** A crop shifts and rescales the whole picture, which moves a global hash as
far as a different photo would. So besides the full frame (frame 0) each photo gets
the hashes of nine sub-frames (frames 1–9): ``CROP`` (4%) of the width and height cut
away, anchored at each corner, each edge's middle and the centre. A photo cropped by
3–5% from any side is close to one of the original's sub-frames (and the original to
one of the crop's, if the crop came first). Matching compares full frame with full
frame, and full frame with the other photo's sub-frames, both ways
(``bot.risk.photos.similar_evidence``).

**Bands.** The coarse hash is split into four 16-bit bands stored in indexed columns
(multi-index hashing). Two coarse hashes within ``d`` bits agree within ``d // 4``
bits on at least one band (pigeonhole), so a lookup asks the index for the band values
that close (``band_neighbours``: 1 + 16 + 120 per band for ``d`` ≤ ``MAX_COARSE``)
instead of scanning all evidence, and computes exact distances only for those
candidates. True matches stay within ``MAX_COARSE`` coarse bits (at most 8 measured).

Hashes are stored as a signed 64-bit integer (``to_signed``, which PostgreSQL's BIGINT
holds) and the fine one as 36 hex digits.
"""
from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image

COARSE_BITS = 64
FINE_LOW = 12
FINE_BITS = FINE_LOW * FINE_LOW - 1
FINE_HEX = (FINE_BITS + 3) // 4
BANDS = 4
BAND_BITS = COARSE_BITS // BANDS
BAND_MASK = (1 << BAND_BITS) - 1
#: Candidates are looked up within this many coarse bits (d // BANDS = 2 bits a band).
MAX_COARSE = 3 * BANDS - 1
#: How much of the width and height a sub-frame cuts away.
CROP = 0.04
#: Pictures are reduced to at most this many pixels on the long side before hashing.
WORK_SIDE = 512
_DCT_SIDE = 32
_COARSE_LOW = 8
#: A picture whose colour channels all vary less than this (standard deviation on
#: 0–255, measured on a 64×64 reduction, which averages sensor noise away) shows nothing.
BLANK_STD = 4.0
_BLANK_SIDE = 64


@dataclass(frozen=True)
class FrameHash:
    """One frame's hashes: ``coarse`` (64 bits, unsigned) and ``fine`` (143 bits)."""

    coarse: int
    fine: int

    @property
    def fine_hex(self) -> str:
        return f"{self.fine:0{FINE_HEX}x}"


@dataclass(frozen=True)
class PhotoFingerprint:
    """Frame 0 (the full picture) and frames 1–9 (sub-frames)."""

    frames: tuple[FrameHash, ...]

    @property
    def full(self) -> FrameHash:
        return self.frames[0]

    @property
    def crops(self) -> tuple[FrameHash, ...]:
        return self.frames[1:]


@lru_cache(maxsize=1)
def _dct_matrix() -> np.ndarray:
    n = _DCT_SIDE
    k = np.arange(n)
    matrix = np.sqrt(2 / n) * np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * n))
    matrix[0, :] = np.sqrt(1 / n)
    return matrix


def _bits(values: np.ndarray) -> int:
    result = 0
    for bit in values > np.median(values):
        result = (result << 1) | int(bit)
    return result


def _frame_hash(gray: Image.Image) -> FrameHash:
    small = np.asarray(gray.resize((_DCT_SIDE, _DCT_SIDE), Image.Resampling.BOX),
                       dtype=np.float64)
    matrix = _dct_matrix()
    dct = matrix @ small @ matrix.T
    coarse = dct[:_COARSE_LOW, :_COARSE_LOW].flatten()
    coarse_bits = coarse > np.median(coarse[1:])
    value = 0
    for bit in coarse_bits:
        value = (value << 1) | int(bit)
    return FrameHash(value, _bits(dct[:FINE_LOW, :FINE_LOW].flatten()[1:]))


def _working_gray(image: Image.Image) -> Image.Image:
    gray = image.convert("L")
    width, height = gray.size
    scale = WORK_SIDE / max(width, height)
    if scale < 1:
        gray = gray.resize((max(1, round(width * scale)), max(1, round(height * scale))),
                           Image.Resampling.BOX)
    return gray


def _sub_frames(width: int, height: int) -> list[tuple[int, int, int, int]]:
    cut_x, cut_y = round(width * CROP), round(height * CROP)
    return [(x, y, x + width - cut_x, y + height - cut_y)
            for y in (0, cut_y // 2, cut_y) for x in (0, cut_x // 2, cut_x)]


def fingerprint(image: Image.Image) -> PhotoFingerprint:
    """The perceptual hashes of a loaded picture (any mode)."""
    gray = _working_gray(image)
    return PhotoFingerprint((_frame_hash(gray),
                             *(_frame_hash(gray.crop(box)) for box in _sub_frames(*gray.size))))


def fingerprint_bytes(data: bytes) -> PhotoFingerprint:
    """The fingerprint of an encoded picture (to backfill photos stored before hashing)."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return fingerprint(image)


def is_blank(image: Image.Image) -> bool:
    """True for a picture of one flat colour (a covered lens, an empty screenshot)."""
    rgb = image.convert("RGB").resize((_BLANK_SIDE, _BLANK_SIDE), Image.Resampling.BOX)
    pixels = np.asarray(rgb, dtype=np.float64).reshape(-1, 3)
    return float(pixels.std(axis=0).max()) < BLANK_STD


def hamming(a: int, b: int) -> int:
    """Bits that differ between two non-negative hashes."""
    return bin(a ^ b).count("1")


def to_signed(value: int) -> int:
    """An unsigned 64-bit hash as the signed integer a BIGINT column holds."""
    return value - (1 << COARSE_BITS) if value >= 1 << (COARSE_BITS - 1) else value


def to_unsigned(value: int) -> int:
    """The inverse of ``to_signed``."""
    return value & ((1 << COARSE_BITS) - 1)


def bands(coarse: int) -> tuple[int, ...]:
    """The four 16-bit bands of a coarse hash (signed or not), most significant first."""
    value = to_unsigned(coarse)
    return tuple((value >> (COARSE_BITS - BAND_BITS * (i + 1))) & BAND_MASK
                 for i in range(BANDS))


@lru_cache(maxsize=4)
def _flip_masks(radius: int) -> tuple[int, ...]:
    return tuple(sum(1 << p for p in positions)
                 for bits in range(radius + 1)
                 for positions in itertools.combinations(range(BAND_BITS), bits))


def band_neighbours(band: int, radius: int = MAX_COARSE // BANDS) -> list[int]:
    """Every 16-bit value within ``radius`` bits of ``band`` (itself first)."""
    return [band ^ mask for mask in _flip_masks(radius)]
