"""What must hold after a fault: nothing lost, nothing doubled, nothing left behind.

Read straight from the database the replicas share (Rasa's tracker store ``events`` and
the product's tables), after the traffic has stopped and the inbox and outbox have
settled.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from bot.bench.seeding import BenchCustomer
from bot.chaos.traffic import Sent
from bot.db import InboundMessage, OutboundMessage, Refund, ReturnCase
from bot.messaging.inbox import OPEN

SETTLE_SECONDS = 240.0
_UNSENT = ("pending", "sending")


@dataclass
class Findings:
    """The counts a fault run is judged by; ``problems`` is empty when it passed."""

    acknowledged: int = 0
    in_tracker: int = 0
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    cases: int = 0
    customers_with_two_cases: int = 0
    refunds: int = 0
    cases_with_two_refunds: int = 0
    replies_delivered: int = 0
    replies_unsent: int = 0
    replies_undeliverable: int = 0
    inbox_open: int = 0
    inbox_failed: int = 0
    inbox_retried: int = 0  # handled on a later attempt (a failure, or a dead replica's)
    settled_in: float = 0.0

    @property
    def problems(self) -> list[str]:
        found = []
        if self.lost:
            found.append(f"{len(self.lost)} acknowledged messages missing from the tracker "
                         f"(e.g. {self.lost[:3]})")
        if self.doubled:
            found.append(f"{len(self.doubled)} messages stored twice (e.g. {self.doubled[:3]})")
        if self.customers_with_two_cases:
            found.append(f"{self.customers_with_two_cases} customers with a doubled case")
        if self.cases_with_two_refunds:
            found.append(f"{self.cases_with_two_refunds} cases with a doubled refund")
        if self.replies_unsent or self.replies_undeliverable:
            found.append(f"outbox: {self.replies_unsent} replies never sent, "
                         f"{self.replies_undeliverable} given up")
        if self.inbox_open or self.inbox_failed:
            found.append(f"inbox: {self.inbox_open} messages never handled, "
                         f"{self.inbox_failed} given up")
        return found


def _open_work(engine: Engine) -> int:
    with engine.connect() as connection:
        inbox = connection.scalar(select(func.count()).select_from(InboundMessage)
                                  .where(InboundMessage.state.in_(OPEN)))
        outbox = connection.scalar(select(func.count()).select_from(OutboundMessage)
                                   .where(OutboundMessage.state.in_(_UNSENT)))
    return inbox + outbox


def settle(engine: Engine, timeout: float = SETTLE_SECONDS) -> float:
    """Waits until the inbox and the outbox have nothing left to do (or ``timeout``);
    returns how long that took."""
    started = time.monotonic()
    while _open_work(engine) and time.monotonic() - started < timeout:
        time.sleep(1)
    return time.monotonic() - started


def _stored_message_ids(engine: Engine, senders: set[str]) -> Counter:
    stored: Counter = Counter()
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT sender_id, data FROM events WHERE type_name = 'user' "
            "AND sender_id = ANY(:senders)"), {"senders": sorted(senders)})
        for sender, data in rows:
            message_id = json.loads(data).get("message_id")
            if message_id:
                stored[(sender, message_id)] += 1
    return stored


def check(engine: Engine, sent: Iterable[Sent], customers: list[BenchCustomer]) -> Findings:
    """Judges one fault run: the customers' messages against the tracker, their cases
    and refunds, and what the channels still have to do."""
    sent = list(sent)
    findings = Findings(acknowledged=len(sent))
    stored = _stored_message_ids(engine, {s.sender for s in sent})
    for message in sent:
        count = stored.get((message.sender, message.message_id), 0)
        if count == 0:
            findings.lost.append(message.message_id)
        else:
            findings.in_tracker += 1
        if count > 1:
            findings.doubled.append(message.message_id)
    ids = [c.customer_id for c in customers]
    openids = [c.openid for c in customers]
    with engine.connect() as connection:
        per_customer = connection.execute(
            select(ReturnCase.customer_id, func.count()).where(ReturnCase.customer_id.in_(ids))
            .group_by(ReturnCase.customer_id)).all()
        findings.cases = sum(n for _, n in per_customer)
        findings.customers_with_two_cases = sum(n > 1 for _, n in per_customer)
        per_case = connection.execute(
            select(Refund.case_id, func.count()).where(Refund.customer_id.in_(ids))
            .group_by(Refund.case_id)).all()
        findings.refunds = sum(n for _, n in per_case)
        findings.cases_with_two_refunds = sum(n > 1 for _, n in per_case)
        outbox = dict(connection.execute(
            select(OutboundMessage.state, func.count())
            .where(OutboundMessage.recipient.in_(openids))
            .group_by(OutboundMessage.state)).all())
        findings.replies_delivered = outbox.get("delivered", 0)
        findings.replies_unsent = sum(outbox.get(state, 0) for state in _UNSENT)
        findings.replies_undeliverable = outbox.get("undeliverable", 0)
        inbox = dict(connection.execute(
            select(InboundMessage.state, func.count())
            .where(InboundMessage.sender.in_(openids))
            .group_by(InboundMessage.state)).all())
        findings.inbox_open = sum(inbox.get(state, 0) for state in OPEN)
        findings.inbox_failed = inbox.get("failed", 0)
        findings.inbox_retried = connection.scalar(
            select(func.count()).select_from(InboundMessage)
            .where(InboundMessage.sender.in_(openids), InboundMessage.attempts > 1))
    return findings
