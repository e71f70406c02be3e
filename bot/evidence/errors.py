"""Why a photo could not be taken as evidence."""


class EvidenceError(Exception):
    """A photo could not be accepted."""


class PhotoDownloadFailed(EvidenceError):
    """The photo's address could not be fetched (unreachable, timeout, HTTP error)."""


class PhotoTooLarge(EvidenceError):
    """The file is larger than the configured limit."""


class NotAnImage(EvidenceError):
    """The bytes are not a picture we can read (or are a decompression bomb)."""


class MissingEvidence(EvidenceError):
    """No such stored photo, or its file is gone from the evidence directory."""


class StagedPhotoNotFound(EvidenceError):
    """A staged photo that does not exist, expired, was taken already or came from
    another chat."""
