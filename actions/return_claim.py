"""Reading the return form's slots as a claim draft (shared by the form's actions)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.common import now, policy, remembered
from bot.cases import Assessment, ClaimDraft, assess
from bot.customers import CustomerView
from bot.db.session import unit_of_work
from bot.enums import Reason, Resolution

FORM_SLOTS = ("order_line_id", "problem_reason", "quantity", "unopened", "photo", "resolution",
              "offered_line_ids", "problem_description")


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def draft_from(tracker: Tracker, customer: CustomerView) -> ClaimDraft | None:
    """The claim as far as the slots tell it; ``None`` until line and reason are known."""
    line_id, reason = tracker.get_slot("order_line_id"), tracker.get_slot("problem_reason")
    if line_id is None or reason is None:
        return None
    photo = tracker.get_slot("photo")
    resolution = tracker.get_slot("resolution")
    return ClaimDraft(
        customer_id=customer.id,
        line_id=int(line_id),
        reason=Reason(reason),
        quantity_affected=_decimal(tracker.get_slot("quantity")),
        unopened=tracker.get_slot("unopened"),
        evidence_id=int(photo) if photo is not None else None,
        resolution=Resolution(resolution) if resolution else None,
        conversation_id=tracker.sender_id,
        description=tracker.get_slot("problem_description"),
    )


def assess_draft(draft: ClaimDraft) -> Assessment:
    """The policy's assessment of the claim (once per draft inside ``remembering``)."""

    def assessed() -> Assessment:
        with unit_of_work() as session:
            return assess(session, draft, now(), policy())

    return remembered(("assessment", draft), assessed)


def reset_form_slots() -> list[dict]:
    """Events that clear the form so the next return starts fresh."""
    return [SlotSet(name, None) for name in (*FORM_SLOTS, "return_ready")]
