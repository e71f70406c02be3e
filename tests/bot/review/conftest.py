"""The review tests' tracker store (the test database, as in production by default), an
indexer over it, and the demo customers' sender ids."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.engine import Engine

from bot.db.session import create_db_engine, get_sessionmaker
from bot.review.indexer import ConversationIndexer
from bot.settings import get_settings

# Friday noon in Shanghai, safely in the past; every script starts from here.
NOON = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def tracker(app_db) -> Iterator[Engine]:
    engine = create_db_engine(get_settings().tracker_store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def indexer(tracker) -> ConversationIndexer:
    return ConversationIndexer(get_sessionmaker(), tracker, settle_seconds=0)


def at(minutes: float = 0, days: int = 0) -> datetime:
    return NOON + timedelta(days=days, minutes=minutes)


def add_case(sender_id: str, when: datetime, states: tuple[str, ...] = ()) -> str:
    """A case of ``sender_id``'s customer opened at ``when`` in that conversation, moved
    through ``states`` one minute apart; returns its ref."""
    from decimal import Decimal

    from sqlalchemy import select

    from bot.cases.states import add_event
    from bot.db import ChannelIdentity, Order, OrderLine, ReturnCase
    from bot.db.session import unit_of_work
    from bot.enums import CaseState, Disposition, Reason, Review

    with unit_of_work() as session:
        customer_id = session.scalar(select(ChannelIdentity.customer_id)
                                     .where(ChannelIdentity.external_id == sender_id))
        line = session.scalar(select(OrderLine).join(Order)
                              .where(Order.customer_id == customer_id).limit(1))
        case = ReturnCase(
            customer_id=customer_id, order_line_id=line.id, state=CaseState.SUBMITTED,
            reason=Reason.SPOILED, quantity_affected=Decimal(1),
            disposition=Disposition.ON_SITE, review=Review.AUTO, rule_id="test",
            decision_text="test", refund_amount=Decimal("9.90"), conversation_id=sender_id,
            created_at=when, updated_at=when)
        session.add(case)
        session.flush()
        case.ref = f"R{1000 + case.id}"
        add_event(session, case, actor="test", kind="created", at=when,
                  to_state=CaseState.SUBMITTED)
        for minutes, state in enumerate(states, start=1):
            add_event(session, case, actor="test", kind="state", at=when + timedelta(
                minutes=minutes), from_state=case.state, to_state=CaseState(state))
            case.state = CaseState(state)
        return case.ref
