"""Why a photo could not be taken as evidence."""


class EvidenceError(Exception):
    """A photo could not be accepted."""


class PhotoDownloadFailed(EvidenceError):
    """The photo's address could not be fetched (unreachable, timeout, HTTP error)."""


class PhotoNotYetFetched(PhotoDownloadFailed):
    """The platform did not answer (network, timeout, server error, busy): the same
    download may work a little later."""


class PhotoTooLarge(EvidenceError):
    """The file is larger than the configured limit."""


class NotAnImage(EvidenceError):
    """The bytes are not a picture we can read (or are a decompression bomb)."""


class MissingEvidence(EvidenceError):
    """No such stored photo, or its file is gone from the evidence directory."""


class StagedPhotoNotFound(EvidenceError):
    """A staged photo that does not exist, expired, was taken already or came from
    another chat."""


class PhotoUnclear(NotAnImage):
    """A real picture that cannot show the problem: tiny, or one flat colour (blank).

    ``why`` is ``"tiny"`` or ``"blank"``. A subclass of ``NotAnImage``, so every caller
    refuses it; callers that know it ask the customer for a clearer photo
    (``bot.messages.PHOTO_UNCLEAR``, ``utter_photo_unclear``).
    """

    def __init__(self, why: str, detail: str) -> None:
        super().__init__(f"{why}: {detail}")
        self.why = why
