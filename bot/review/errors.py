"""What a review request can be refused for; the console words each for staff."""
from __future__ import annotations


class ReviewError(Exception):
    """A review request that cannot be carried out; nothing was changed."""


class BadFilter(ReviewError):
    """A filter value is malformed, unknown or out of range.

    Args:
        field: The query parameter at fault.
        problem: ``invalid`` (the default), ``order`` (from after to) or ``range`` (too
            many days).
    """

    def __init__(self, field: str, problem: str = "invalid") -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class ConversationNotFound(ReviewError):
    """No such conversation in the index."""


class AnnotationInvalid(ReviewError):
    """A tag, note or correction that cannot be stored as given.

    Args:
        problem: ``text`` (empty or too long), ``intent`` (not a known intent),
            ``message`` (no such customer message in the conversation), ``kind``.
    """

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class AnnotationNotFound(ReviewError):
    """No such annotation, or it was already removed."""


class ExportTooLarge(ReviewError):
    """More conversations match than one export may hold."""

    def __init__(self, matched: int, limit: int) -> None:
        super().__init__(f"{matched} > {limit}")
        self.matched = matched
        self.limit = limit
