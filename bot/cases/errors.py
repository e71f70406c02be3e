"""What can go wrong with a case request, as the actions need to tell it apart."""
from __future__ import annotations

from decimal import Decimal

from bot.enums import CaseState


class CaseError(Exception):
    """A case request that cannot be carried out."""


class CaseNotFound(CaseError):
    """No such case for this customer."""


class InvalidTransition(CaseError):
    """The case's state does not allow the requested change."""

    def __init__(self, state: CaseState, target: CaseState) -> None:
        super().__init__(f"{state.value} -> {target.value}")
        self.state = state
        self.target = target


class LineNotFound(CaseError):
    """The order line does not exist or is not the customer's."""


class QuantityInvalid(CaseError):
    """The affected quantity is not positive or more than was bought."""


class CaseNotOpen(CaseError):
    """The case is no longer being worked on (refunded, closed, cancelled...)."""

    def __init__(self, state: CaseState) -> None:
        super().__init__(state.value)
        self.state = state


class AmountInvalid(CaseError):
    """A money amount is not a positive whole number of cents within ``limit``."""

    def __init__(self, amount: object, limit: Decimal) -> None:
        super().__init__(f"{amount} (allowed 0.01 to {limit})")
        self.amount = amount
        self.limit = limit


class NoteInvalid(CaseError):
    """A staff note or rejection reason is missing or too long."""


class ResolutionMissing(CaseError):
    """The case has no resolution, so it is not known how to refund it."""


class RefundAlreadyPaid(CaseError):
    """The case's refund is paid or on its way; what the customer gets can no longer change."""
