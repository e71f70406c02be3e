"""The desk's JSON shapes, built from domain objects (no queries, no I/O)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot import messages
from bot.cases.review import DECIDABLE
from bot.cases.views import CaseView
from bot.db import Customer, HandoffTicket, StaffAccount, TicketNote, TicketStatus
from bot.enums import Resolution
from bot.messaging import OutboxMessage
from bot.orders import LineView
from channels.console import texts


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _minutes(since: datetime, now: datetime) -> int:
    return max(int((now - since).total_seconds() // 60), 0)


def _customer_name(ticket: HandoffTicket) -> str:
    customer = (ticket.summary or {}).get("customer") or {}
    return customer.get("name") or texts.UNBOUND_CUSTOMER


def _agent(account: StaffAccount | None) -> dict[str, Any] | None:
    return account and {"id": account.id, "name": account.display_name}


def queue_row(ticket: HandoffTicket, staff_id: int, now: datetime) -> dict[str, Any]:
    """One row of the queue."""
    summary = ticket.summary or {}
    line = summary.get("order_line") or {}
    return {
        "id": ticket.id,
        "status": ticket.status.value,
        "status_label": texts.TICKET_STATUS[ticket.status],
        "customer_name": _customer_name(ticket),
        "reason": ticket.reason,
        "reason_label": texts.HANDOFF_REASON.get(ticket.reason, ticket.reason),
        "product": line.get("product"),
        "priority": ticket.priority,
        "anger": round(ticket.anger or 0.0, 2),
        "waited_minutes": _minutes(ticket.created_at, now),
        "created_at": iso(ticket.created_at),
        "claimed_by": _agent(ticket.agent),
        "mine": ticket.claimed_by == staff_id,
    }


def ticket_head(ticket: HandoffTicket, staff_id: int, now: datetime) -> dict[str, Any]:
    """The ticket itself, as the conversation view shows it above the transcript."""
    return {
        **queue_row(ticket, staff_id, now),
        "conversation_id": ticket.conversation_id,
        "channel": ticket.channel,
        "claimed_at": iso(ticket.claimed_at),
        "ended_at": iso(ticket.ended_at),
        "open": ticket.status in (TicketStatus.WAITING, TicketStatus.CLAIMED),
    }


def customer_card(customer: Customer | None, *, with_phone: bool) -> dict[str, Any] | None:
    """Who the customer is; the full phone number only when the desk must call them."""
    if customer is None:
        return None
    return {"id": customer.id, "name": customer.name, "nickname": customer.nickname,
            "phone_tail": customer.phone[-4:], "pickup_point": customer.pickup_point.name,
            "phone": customer.phone if with_phone else None}


def order_rows(lines: Iterable[LineView]) -> list[dict[str, Any]]:
    return [{
        "line_id": line.line_id, "order_no": line.order_no, "product": line.product_name,
        "quantity": str(line.quantity.normalize()), "unit": line.unit,
        "amount": amount(line.unit_price * line.quantity),
        "stage": line.stage.value, "stage_label": messages.STAGE[line.stage],
        "placed_at": iso(line.placed_at), "picked_up_at": iso(line.picked_up_at),
    } for line in lines]


def case_row(case: CaseView, risk: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One case for the desk; ``risk``: its risk flags with the reviewer's explanations
    (``bot.risk.case_notes``), for staff only."""
    return {
        "id": case.id, "ref": case.ref, "state": case.state.value,
        "state_label": messages.CASE_STATE[case.state],
        "reason_label": messages.REASON[case.reason], "product": case.product_name,
        "quantity": str(case.quantity_affected.normalize()), "unit": case.unit,
        "resolution": case.resolution and case.resolution.value,
        "resolution_label": case.resolution and messages.RESOLUTION[case.resolution],
        "refund_amount": amount(case.refund_amount),
        "compensation": amount(case.compensation),
        "decision_text": case.decision_text, "review": case.review.value,
        "decidable": case.state in DECIDABLE,
        "risk": list(risk or []),
        "created_at": iso(case.created_at),
        "events": [{"at": iso(e.at), "actor": e.actor, "kind": e.kind, "note": e.note,
                    "to_state": e.to_state and e.to_state.value} for e in case.events],
    }


def note_rows(notes: Iterable[TicketNote]) -> list[dict[str, Any]]:
    return [{"id": n.id, "author": n.author.display_name, "text": n.text,
             "created_at": iso(n.created_at)} for n in notes]


def undeliverable_rows(outbox: Iterable[OutboxMessage]) -> list[dict[str, Any]]:
    return [{"id": m.id, "channel": m.channel, "text": m.payload.get("text", ""),
             "attempts": m.attempts} for m in outbox]


def resolution_options() -> list[dict[str, str]]:
    return [{"value": r.value, "label": messages.RESOLUTION[r]} for r in Resolution]
