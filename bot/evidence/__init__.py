"""Photos customers send as evidence: fetched, checked, stored content-addressed."""
from bot.evidence.errors import (
    EvidenceError,
    NotAnImage,
    PhotoDownloadFailed,
    PhotoTooLarge,
)
from bot.evidence.images import ImageInfo, inspect_image
from bot.evidence.store import (
    EvidenceView,
    fetch_photo,
    photo_flags,
    read_limited,
    store_photo,
)

__all__ = [
    "EvidenceError", "EvidenceView", "ImageInfo", "NotAnImage", "PhotoDownloadFailed",
    "PhotoTooLarge", "fetch_photo", "inspect_image", "photo_flags", "read_limited", "store_photo",
]
