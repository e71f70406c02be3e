"""What a leader's request about a forwarded group chat can run into.

Every error is raised before anything changed. ``bot.messages.forward_error`` turns one
into the Chinese answer for the leader by its class name, so the names are part of the
contract with ``bot.messages.FORWARD_ERRORS``.
"""
from __future__ import annotations


class ForwardError(Exception):
    """A leader's request about a forward that cannot be carried out; nothing changed."""


class LeaderNotFound(ForwardError):
    """No such leader."""


class ForwardNotFound(ForwardError):
    """No such forward of this leader (another leader's forward is not found either)."""


class ForwardClosed(ForwardError):
    """The forward was cancelled."""


class ItemNotFound(ForwardError):
    """The forward has no item with this number."""


class ItemClosed(ForwardError):
    """The item already has its case, or was dropped."""


class AnswerNotUnderstood(ForwardError):
    """The leader's answer names no candidate, customer, product, quantity or reason."""


class CustomerNotFound(ForwardError):
    """The answer names no customer of the leader's pickup point."""


class QuantityNotAccepted(ForwardError):
    """The corrected quantity is not positive or more than the customer bought."""


class PhotoTargetNotFound(ForwardError):
    """No case or item of this leader to attach a photo to (or it is closed)."""


class PhotoTargetAmbiguous(ForwardError):
    """Several cases or items could take the photo; ``options`` names them."""

    def __init__(self, options: tuple[str, ...]) -> None:
        """Keeps the candidates' summary lines.

        Args:
            options: One summary line per case or item that could take the photo.
        """
        super().__init__("; ".join(options))
        self.options = options


class EvidenceNotUsable(ForwardError):
    """The photo does not exist, is already attached, or was stored for another customer."""
