"""A different photo for every bench conversation.

The risk checks compare each claim's photo with every stored one (perceptual hashes), so
a load run sending one picture again and again would turn every claim after the first
into a "reused photo" for manual review. These are random colour grids: cheap to make
(about a millisecond), never blank, far apart in perceptual hash, large enough to pass
the photo checks.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

SIZE = (320, 240)
GRID = (12, 16)


def photo(n: int) -> bytes:
    """JPEG bytes of bench photo ``n`` (the same bytes for the same ``n``)."""
    rng = np.random.default_rng(1_000_003 * n + 17)
    cells = rng.integers(0, 256, size=(*GRID, 3), dtype=np.uint8)
    image = Image.fromarray(cells, "RGB").resize(SIZE, Image.NEAREST)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()
