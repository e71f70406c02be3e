"""What the desk reads and changes in the database, one unit of work per function.

These are synchronous (SQLAlchemy); the routes run them with ``asyncio.to_thread`` so
the Rasa server's event loop never waits on the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot import audit
from bot.cases.views import customer_cases
from bot.db import Customer, Evidence, FollowUp, ReturnCase, SatisfactionSurvey
from bot.db.session import unit_of_work
from bot.evidence.images import ALLOWED_FORMATS
from bot.handoff import tickets
from bot.handoff.wait import mark_seen
from bot.messages import DESK_QUICK_REPLIES
from bot.messaging import first_time, forget, undeliverable_for
from bot.orders import recent_lines
from bot.risk import case_notes
from bot.satisfaction import follow_ups
from bot.settings import get_settings
from bot.timefmt import local_time
from channels.console import texts, views
from channels.console.errors import Refusal

DEDUP_CHANNEL = "desk"
CASES_SHOWN = 10


def load_queue(staff_id: int, now: datetime) -> list[dict[str, Any]]:
    """The open tickets in queue order."""
    with unit_of_work() as session:
        return [views.queue_row(t, staff_id, now) for t in tickets.queue(session, now)]


@dataclass(frozen=True)
class TicketData:
    """The database part of the conversation view, and what the transcript needs."""

    view: dict[str, Any]
    conversation_id: str
    customer_id: int | None


def load_ticket(ticket_id: int, staff_id: int, now: datetime) -> TicketData:
    """Everything about a ticket except its transcript.

    Raises:
        TicketNotFound.
    """
    with unit_of_work() as session:
        ticket = tickets.get_ticket(session, ticket_id)
        customer = session.get(Customer, ticket.customer_id) if ticket.customer_id else None
        undeliverable = undeliverable_for(session, ticket.conversation_id)
        view = {
            "ticket": {**views.ticket_head(ticket, staff_id, now),
                       "satisfaction": session.scalar(
                           select(SatisfactionSurvey.score)
                           .where(SatisfactionSurvey.ticket_id == ticket.id)
                           .order_by(SatisfactionSurvey.id.desc()).limit(1))},
            "summary": ticket.summary or {},
            "customer": views.customer_card(customer, with_phone=bool(undeliverable)),
            "orders": views.order_rows(recent_lines(session, customer.id, now)) if customer
            else [],
            "cases": _case_rows(session, customer.id) if customer else [],
            "notes": views.note_rows(ticket.notes),
            "undeliverable": views.undeliverable_rows(undeliverable),
            "quick_replies": list(DESK_QUICK_REPLIES),
            "resolutions": views.resolution_options(),
        }
        return TicketData(view, ticket.conversation_id, ticket.customer_id)


def _case_rows(session, customer_id: int) -> list[dict[str, Any]]:
    """The customer's latest cases, each with its risk flags explained for staff."""
    cases = customer_cases(session, customer_id, limit=CASES_SHOWN)
    risk = case_notes(session, [c.id for c in cases])
    return [views.case_row(c, risk.get(c.id)) for c in cases]


def delivery_state(ticket_id: int) -> dict[str, Any]:
    """Messages to the ticket's customer that could not be delivered, and the number to
    call instead when there are any.

    Raises:
        TicketNotFound.
    """
    with unit_of_work() as session:
        ticket = tickets.get_ticket(session, ticket_id)
        undeliverable = undeliverable_for(session, ticket.conversation_id)
        customer = session.get(Customer, ticket.customer_id) if ticket.customer_id else None
        return {"ticket_id": ticket_id,
                "undeliverable": views.undeliverable_rows(undeliverable),
                "phone": customer.phone if customer and undeliverable else None}


def evidence_by_url(customer_id: int | None, urls: set[str]) -> dict[str, int]:
    """The customer's stored photos fetched from ``urls``, by address."""
    if customer_id is None or not urls:
        return {}
    with unit_of_work() as session:
        rows = session.execute(
            select(Evidence.source_url, Evidence.id)
            .where(Evidence.customer_id == customer_id, Evidence.source_url.in_(urls))
            .order_by(Evidence.id)
        ).all()
        return {url: evidence_id for url, evidence_id in rows}


def claim(ticket_id: int, staff_id: int, now: datetime) -> dict[str, Any]:
    """Raises TicketNotFound, AlreadyClaimed, TicketEnded."""
    with unit_of_work() as session:
        return views.ticket_head(tickets.claim(session, ticket_id, staff_id, now), staff_id, now)


def unclaim(ticket_id: int, staff_id: int, now: datetime) -> dict[str, Any]:
    """Raises TicketNotFound, AlreadyClaimed, NotYourTicket, TicketEnded."""
    with unit_of_work() as session:
        return views.ticket_head(tickets.unclaim(session, ticket_id, staff_id, now),
                                 staff_id, now)


def _reply_key(ticket_id: int, client_id: str) -> str:
    return f"{ticket_id}:{client_id}"


def begin_reply(ticket_id: int, staff_id: int, client_id: str, now: datetime) -> str | None:
    """Checks the agent holds the ticket and records the reply's ``client_id``.

    Returns:
        The conversation to send to, or ``None`` if this reply was already sent (or is
        being sent) under the same ``client_id``.

    Raises:
        TicketNotFound, AlreadyClaimed, NotYourTicket, TicketEnded.
    """
    with unit_of_work() as session:
        # The key is written first: on SQLite a transaction that read before writing
        # fails at once when a concurrent one (the double submit) commits in between.
        fresh = first_time(session, DEDUP_CHANNEL, _reply_key(ticket_id, client_id), now)
        ticket = tickets.held_by(session, ticket_id, staff_id)
        return ticket.conversation_id if fresh else None


def reply_sent(ticket_id: int, staff_id: int, client_id: str, length: int) -> None:
    """Audits a reply Rasa accepted."""
    with unit_of_work() as session:
        audit.record(session, f"staff:{staff_id}", "handoff.replied", "handoff_ticket",
                     ticket_id, client_id=client_id, length=length)


def reply_failed(ticket_id: int, client_id: str) -> None:
    """Forgets the ``client_id`` of a reply Rasa did not take, so sending it again works."""
    with unit_of_work() as session:
        forget(session, DEDUP_CHANNEL, _reply_key(ticket_id, client_id))


def end(ticket_id: int, staff_id: int, now: datetime, *, close: bool) -> str:
    """Hands the ticket back to the bot or closes it; returns the conversation id.

    Raises:
        TicketNotFound, AlreadyClaimed, NotYourTicket, TicketEnded.
    """
    with unit_of_work() as session:
        return tickets.end(session, ticket_id, staff_id, now, close=close).conversation_id


def resumable(ticket_id: int, staff_id: int) -> str:
    """The conversation of a ticket this agent ended, if the bot may still be told to take
    it back (no newer handoff of the same conversation is open).

    Raises:
        TicketNotFound; Refusal: the ticket is open, someone else ended it, or the
            conversation is with the desk again.
    """
    with unit_of_work() as session:
        ticket = tickets.get_ticket(session, ticket_id)
        if (ticket.ended_by != staff_id
                or tickets.open_ticket_for(session, ticket.conversation_id) is not None):
            raise Refusal(409, texts.RESUME_NOT_NEEDED)
        return ticket.conversation_id


def add_note(ticket_id: int, staff_id: int, text: str, now: datetime) -> list[dict[str, Any]]:
    """Adds an internal note; returns all the ticket's notes.

    Raises:
        TicketNotFound; Refusal: empty or too long.
    """
    with unit_of_work() as session:
        try:
            tickets.add_note(session, ticket_id, staff_id, text, now)
        except ValueError:
            raise Refusal(400, texts.NOTE_LENGTH) from None
        ticket = tickets.get_ticket(session, ticket_id)
        session.expire(ticket, ["notes"])
        return views.note_rows(ticket.notes)


@dataclass(frozen=True)
class PhotoFile:
    path: Path
    mime_type: str


def evidence_file(evidence_id: int, ticket_id: int) -> PhotoFile:
    """A stored photo of the ticket's customer.

    Raises:
        TicketNotFound; Refusal (404): no such photo, or not this customer's.
    """
    root = get_settings().evidence_dir.resolve()
    with unit_of_work() as session:
        ticket = tickets.get_ticket(session, ticket_id)
        evidence = session.get(Evidence, evidence_id)
        if (evidence is None or ticket.customer_id is None
                or evidence.customer_id != ticket.customer_id
                or evidence.mime_type not in ALLOWED_FORMATS.values()):
            raise Refusal(404, texts.EVIDENCE_NOT_FOUND)
        path = (root / evidence.path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Refusal(404, texts.EVIDENCE_NOT_FOUND)
    return PhotoFile(path, evidence.mime_type)


def seen(staff_id: int, now: datetime) -> None:
    """The agent has the desk open (counts as online for customers' wait estimates)."""
    with unit_of_work() as session:
        mark_seen(session, staff_id, now)


def conversation_of(ticket_id: int) -> tuple[str, int | None]:
    """The ticket's conversation id and customer id.

    Raises:
        TicketNotFound.
    """
    with unit_of_work() as session:
        ticket = tickets.get_ticket(session, ticket_id)
        return ticket.conversation_id, ticket.customer_id


# ---------------------------------------------------------------- follow-ups (待回访)


def _masked(phone: str | None) -> str | None:
    """``138****4571``: enough to recognise, not to dial."""
    if not phone:
        return None
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"


def _follow_up_row(follow_up: FollowUp, customer: Customer | None,
                   case_ref: str | None) -> dict[str, Any]:
    survey = follow_up.survey
    subject = survey.subject.value if survey else None
    return {
        "id": follow_up.id,
        "status": follow_up.status.value,
        "reason": follow_up.reason,
        "reason_label": texts.FOLLOW_UP_REASON.get(follow_up.reason, follow_up.reason),
        "customer_name": customer.name if customer else texts.UNBOUND_CUSTOMER,
        "nickname": customer.nickname if customer else None,
        "phone": _masked(customer.phone) if customer else None,
        "conversation_id": follow_up.conversation_id,
        "score": survey.score if survey else None,
        "comment": survey.comment if survey else None,
        "subject": subject,
        "subject_label": texts.SURVEY_SUBJECT.get(subject, "") if subject else "",
        "case_ref": case_ref,
        "ticket_id": follow_up.ticket_id,
        "created_at": views.iso(follow_up.created_at),
        "answered_at": views.iso(survey.answered_at) if survey else None,
        "done_at": views.iso(follow_up.done_at),
        "done_by": follow_up.agent.display_name if follow_up.agent else None,
        "outcome": follow_up.outcome,
    }


def _rows(session, items: list[FollowUp]) -> list[dict[str, Any]]:
    customer_ids = {f.customer_id for f in items if f.customer_id is not None}
    case_ids = {f.case_id for f in items if f.case_id is not None}
    customers = {c.id: c for c in session.scalars(
        select(Customer).where(Customer.id.in_(customer_ids)))} if customer_ids else {}
    refs = dict(session.execute(select(ReturnCase.id, ReturnCase.ref)
                                .where(ReturnCase.id.in_(case_ids))).all()) if case_ids else {}
    return [_follow_up_row(f, customers.get(f.customer_id), refs.get(f.case_id))
            for f in items]


def load_follow_ups() -> dict[str, Any]:
    """The open follow-ups, the longest-waiting first, and how many are open."""
    with unit_of_work() as session:
        return {"follow_ups": _rows(session, follow_ups.open_follow_ups(session)),
                "count": follow_ups.count_open(session)}


def finish_follow_up(follow_up_id: int, staff_id: int, outcome: Any,
                     now: datetime) -> dict[str, Any]:
    """Marks a follow-up done with the agent's note of how it went.

    Returns:
        The follow-up, and ``duplicate`` when this agent had already marked it so.

    Raises:
        Refusal: the note is blank or too long (400), no such follow-up (404), another
            agent (or another note) closed it already (409).
    """
    with unit_of_work() as session:
        try:
            follow_up, changed = follow_ups.mark_done(
                session, follow_up_id, staff_id, outcome if isinstance(outcome, str) else "",
                now)
        except follow_ups.OutcomeInvalid:
            raise Refusal(400, texts.OUTCOME_LENGTH.format(limit=follow_ups.MAX_OUTCOME)) \
                from None
        except follow_ups.FollowUpNotFound:
            raise Refusal(404, texts.FOLLOW_UP_NOT_FOUND) from None
        except follow_ups.FollowUpAlreadyDone as done:
            raise Refusal(409, texts.FOLLOW_UP_ALREADY_DONE.format(
                agent=done.agent_name or texts.SOMEONE_ELSE,
                at=local_time(done.done_at) if done.done_at else "")) from None
        [row] = _rows(session, [follow_up])
        return {"follow_up": row, "duplicate": not changed}
