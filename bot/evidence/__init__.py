"""Photos sent as evidence: fetched, checked, stored content-addressed; a group leader's
photos are staged until the leader's assistant knows whose evidence they are."""
from bot.evidence.errors import (
    EvidenceError,
    MissingEvidence,
    NotAnImage,
    PhotoDownloadFailed,
    PhotoNotYetFetched,
    PhotoTooLarge,
    PhotoUnclear,
    StagedPhotoNotFound,
)
from bot.evidence.images import ImageInfo, inspect_image
from bot.evidence.staging import stage_photo, take_staged
from bot.evidence.store import (
    EvidenceView,
    StoredPhoto,
    fetch_photo,
    photo_flags,
    read_limited,
    read_stored_photo,
    store_photo,
)

__all__ = [
    "EvidenceError", "EvidenceView", "ImageInfo", "MissingEvidence", "NotAnImage",
    "PhotoDownloadFailed", "PhotoNotYetFetched", "PhotoTooLarge", "PhotoUnclear", "StagedPhotoNotFound", "StoredPhoto",
    "fetch_photo", "inspect_image", "photo_flags", "read_limited", "read_stored_photo",
    "stage_photo", "store_photo", "take_staged",
]
