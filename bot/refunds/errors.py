"""Why a refund or a coupon is refused: typed, with a stable ``reason`` code and a clear
Chinese sentence for staff (``str(error)``).

All are ``CaseError``s, so callers that already turn case errors into answers (the desk,
the actions, the leaders' assistant) handle them too.
"""
from __future__ import annotations

from decimal import Decimal

from bot.cases.errors import CaseError
from bot.enums import CaseState


class RefundError(CaseError):
    """A refund request that is refused; nothing was changed by it."""

    reason = "refund_refused"


class AmountNotPositive(RefundError):
    """Zero or a negative amount."""

    reason = "amount_not_positive"

    def __init__(self, amount: object) -> None:
        super().__init__(f"退款金额必须大于 0（收到 {amount}）")
        self.amount = amount


class AmountNotCents(RefundError):
    """Not a number, not finite, or finer than a cent."""

    reason = "amount_not_cents"

    def __init__(self, amount: object) -> None:
        super().__init__(f"退款金额要精确到分（收到 {amount!r}）")
        self.amount = amount


class AmountAbovePaid(RefundError):
    """More than what was paid for the order line, less what refunds already claimed."""

    reason = "amount_above_paid"

    def __init__(self, amount: Decimal, paid: Decimal, refunded: Decimal) -> None:
        remaining = max(paid - refunded, Decimal("0.00"))
        super().__init__(f"退款 ¥{amount:.2f} 超过可退金额：这件商品实付 ¥{paid:.2f}，"
                         f"已退 ¥{refunded:.2f}，最多还能退 ¥{remaining:.2f}")
        self.amount, self.paid, self.refunded, self.remaining = amount, paid, refunded, remaining


class CaseNotRefundable(RefundError):
    """The case is cancelled, rejected or not approved: nothing may be refunded for it."""

    _TEXT = {
        CaseState.CANCELLED: ("case_cancelled", "售后单已被顾客撤销，不能退款"),
        CaseState.REJECTED: ("case_rejected", "售后单未通过审核，不能退款"),
    }

    def __init__(self, state: CaseState) -> None:
        self.reason, text = self._TEXT.get(state, ("case_not_approved",
                                                   f"售后单还没有同意（{state.value}），不能退款"))
        super().__init__(text)
        self.state = state


class DestinationInvalid(RefundError):
    """Not one of the refund destinations (original payment, store balance, coupon)."""

    reason = "destination_invalid"

    def __init__(self, destination: object) -> None:
        super().__init__(f"不能退到「{destination}」：只能原路退回、退到余额或退成优惠券")
        self.destination = destination


class RefundNotFound(RefundError):
    reason = "refund_not_found"

    def __init__(self, refund_id: object) -> None:
        super().__init__(f"没有这笔退款（{refund_id}）")


class RefundNotManual(RefundError):
    """Only a refund waiting in the manual follow-up queue can be marked paid by hand."""

    reason = "not_in_manual_queue"

    def __init__(self, state: str) -> None:
        super().__init__(f"这笔退款不在待人工退款列表里（当前：{state}），不能标记线下退款")
        self.state = state


class AmountMismatch(RefundError):
    """The amount an agent says was paid by hand is not the refund's amount."""

    reason = "amount_mismatch"

    def __init__(self, amount: Decimal, expected: Decimal) -> None:
        super().__init__(f"线下退款金额 ¥{amount:.2f} 与这笔退款 ¥{expected:.2f} 不一致，请核对")
        self.amount, self.expected = amount, expected


class NoteRequired(RefundError):
    """A manual payout needs a note saying how it was paid (1 to 200 characters)."""

    reason = "note_required"

    def __init__(self, limit: int) -> None:
        super().__init__(f"请写明线下退款的方式和凭证（1–{limit} 字）")
        self.limit = limit


class CouponAlreadyIssued(CaseError):
    """The case already has its compensation coupon; it is never issued twice."""

    reason = "compensation_already_issued"

    def __init__(self, ref: str) -> None:
        super().__init__(f"售后单 {ref} 已经发过补偿券，不能重复发放")
        self.ref = ref
