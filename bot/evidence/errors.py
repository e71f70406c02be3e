"""Why a photo could not be taken as evidence."""


class EvidenceError(Exception):
    """A photo could not be accepted."""


class PhotoDownloadFailed(EvidenceError):
    """The photo's address could not be fetched (unreachable, timeout, HTTP error)."""


class PhotoTooLarge(EvidenceError):
    """The file is larger than the configured limit."""


class NotAnImage(EvidenceError):
    """The bytes are not a picture we can read (or are a decompression bomb)."""
