"""Perceptual fingerprints: edited copies stay close, distinct photos stay apart; blank
and tiny pictures are refused (bot.evidence.fingerprint, bot.evidence.images)."""
from __future__ import annotations

import io
import itertools

import pytest
from PIL import Image

from bot.evidence import NotAnImage, PhotoUnclear, inspect_image
from bot.evidence.fingerprint import (
    BANDS,
    FINE_HEX,
    MAX_COARSE,
    PhotoFingerprint,
    band_neighbours,
    bands,
    fingerprint,
    hamming,
    to_signed,
    to_unsigned,
)
from bot.evidence.images import MIN_SIDE
from bot.policy import load_policy
from tests.images import encode, flat_bytes, jpeg_bytes, photo, png_bytes, variant

MATCH_BITS = load_policy().photo_match_bits
EDITS = ["resized", "jpeg40", "crop3", "crop5", "crop3_centre", "crop5_left", "brighter", "all"]


def distance(a: PhotoFingerprint, b: PhotoFingerprint) -> int | None:
    """What bot.risk.photos decides on: the closest comparable frame pair's fine distance
    (full/full, full/sub-frame both ways), or None if no pair is a candidate."""
    pairs = [(a.full, b.full), *((a.full, c) for c in b.crops), *((c, b.full) for c in a.crops)]
    found = [hamming(x.fine, y.fine) for x, y in pairs if hamming(x.coarse, y.coarse) <= MAX_COARSE]
    return min(found) if found else None


def same_picture(a: PhotoFingerprint, b: PhotoFingerprint) -> bool:
    d = distance(a, b)
    return d is not None and d <= MATCH_BITS


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("edit", EDITS)
def test_an_edited_copy_is_the_same_picture(seed: int, edit: str) -> None:
    original = photo(f"original-{seed}")
    copy = variant(original, edit)
    assert same_picture(fingerprint(original), fingerprint(copy)), edit
    assert same_picture(fingerprint(copy), fingerprint(original)), f"{edit}, the copy first"


def test_the_copy_survives_real_encoding_too() -> None:
    original = photo("encoded")
    as_sent = Image.open(io.BytesIO(encode(variant(original, "crop5"), "JPEG", quality=40)))
    assert same_picture(fingerprint(Image.open(io.BytesIO(encode(original, "PNG")))),
                        fingerprint(as_sent))


def test_distinct_photos_are_never_the_same_picture() -> None:
    prints = [fingerprint(photo(f"distinct-{seed}")) for seed in range(60)]
    close = [(i, j, distance(a, b)) for (i, a), (j, b) in itertools.combinations(enumerate(prints), 2)
             if same_picture(a, b)]
    assert close == []


def test_photos_alike_in_colour_but_different_in_content_are_apart() -> None:
    one = photo("same-colour-1", color=(200, 40, 40))
    other = photo("same-colour-2", color=(200, 40, 40))
    assert not same_picture(fingerprint(one), fingerprint(other))


def test_the_test_suites_stock_pictures_are_distinct_from_each_other() -> None:
    colours = [(200, 30, 40), (240, 200, 40), (30, 90, 200), (1, 2, 3), (250, 220, 60),
               (20, 160, 40)]
    pictures = [png_bytes(color=c) for c in colours] + [jpeg_bytes(color=c) for c in colours]
    prints = [inspect_image(data).fingerprint for data in pictures]
    assert not any(same_picture(a, b) for a, b in itertools.combinations(prints, 2))


def test_a_fingerprint_has_the_full_frame_and_nine_sub_frames() -> None:
    prints = fingerprint(photo("frames"))
    assert len(prints.frames) == 10 and prints.full is prints.frames[0]
    assert all(0 <= f.coarse < 2**64 and len(f.fine_hex) == FINE_HEX for f in prints.frames)
    assert fingerprint(photo("frames")) == prints  # deterministic


def test_signed_storage_round_trips() -> None:
    for value in (0, 1, 2**63 - 1, 2**63, 2**64 - 1):
        signed = to_signed(value)
        assert -(2**63) <= signed < 2**63 and to_unsigned(signed) == value


def test_bands_split_the_hash_and_neighbours_cover_the_radius() -> None:
    value = 0x0123_4567_89AB_CDEF
    assert bands(value) == (0x0123, 0x4567, 0x89AB, 0xCDEF) == bands(to_signed(value))
    neighbours = band_neighbours(0x0F0F)
    assert neighbours[0] == 0x0F0F and len(neighbours) == len(set(neighbours)) == 1 + 16 + 120
    assert {bin(n ^ 0x0F0F).count("1") for n in neighbours} == {0, 1, 2}


def test_hashes_within_the_lookup_distance_always_share_a_near_band() -> None:
    # The pigeonhole argument multi-index hashing relies on, checked on flips of every
    # position pattern that spreads MAX_COARSE bits as evenly as possible over the bands.
    base = 0xA5A5_5A5A_F00F_0FF0
    for spread in itertools.product(range(4), repeat=BANDS):
        if sum(spread) != MAX_COARSE:
            continue
        flipped, shift = base, 0
        for band_index, count in enumerate(spread):
            for bit in range(count):
                flipped ^= 1 << (63 - band_index * 16 - bit)
            shift += count
        assert hamming(base, flipped) == MAX_COARSE
        assert any(b in band_neighbours(a) for a, b in zip(bands(base), bands(flipped)))


# ---------------------------------------------------------------- refused pictures


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(flat_bytes(), id="white"),
        pytest.param(flat_bytes(color=(0, 0, 0)), id="black (covered lens)"),
        pytest.param(flat_bytes(color=(10, 10, 10), noise=8), id="dark with sensor noise"),
        pytest.param(flat_bytes(color=(120, 200, 90), fmt="PNG"), id="one colour png"),
    ],
)
def test_blank_pictures_are_refused(data: bytes) -> None:
    with pytest.raises(PhotoUnclear) as refused:
        inspect_image(data)
    assert refused.value.why == "blank" and isinstance(refused.value, NotAnImage)


@pytest.mark.parametrize("size", [(MIN_SIDE - 1, 400), (400, MIN_SIDE - 1), (64, 48)])
def test_tiny_pictures_are_refused(size: tuple[int, int]) -> None:
    with pytest.raises(PhotoUnclear) as refused:
        inspect_image(encode(photo("tiny", size), "JPEG"))
    assert refused.value.why == "tiny"


def test_a_plain_but_real_photo_is_accepted() -> None:
    info = inspect_image(encode(photo("real", (MIN_SIDE, MIN_SIDE)), "JPEG"))
    assert info.fingerprint is not None and info.width == MIN_SIDE
