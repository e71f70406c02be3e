"""The product on PostgreSQL: schema, seed, cases, actions and Rasa's tracker store."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from bot.cases import ClaimDraft, open_case
from bot.customers import identify
from bot.db import AuditEntry, InboundKey, ReturnCase
from bot.db.base import utcnow
from bot.db.migrate import alembic_config, upgrade
from bot.db.session import create_db_engine, get_sessionmaker, unit_of_work
from bot.enums import CaseState, Reason, Resolution
from bot.messaging import first_time
from bot.policy import load_policy
from bot.seed import seed_demo
from bot.settings import get_settings
from channels.accepting import GroupCommit
from tests.actions.lookups import line_id
from tests.actions.trackers import run, tracker

pytestmark = pytest.mark.services


@pytest.fixture
def on_postgres(postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:
    """The application pointed at a migrated, seeded PostgreSQL database."""
    command.downgrade(alembic_config(postgres_url), "base")
    upgrade(postgres_url)
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    get_sessionmaker.cache_clear()
    with unit_of_work() as session:
        seed_demo(session, utcnow())
    yield postgres_url
    get_sessionmaker().kw["bind"].dispose()
    get_settings.cache_clear()
    get_sessionmaker.cache_clear()


def test_migrations_build_the_whole_schema_and_tear_it_down(postgres_url):
    upgrade(postgres_url)
    engine = create_db_engine(postgres_url)
    tables = set(inspect(engine).get_table_names())
    assert {"return_cases", "case_events", "evidence", "orders", "audit_log"} <= tables

    command.downgrade(alembic_config(postgres_url), "base")

    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_a_case_opens_once_on_postgres(on_postgres):
    with unit_of_work() as session:
        customer = identify(session, "rest", "demo-1")
        draft = ClaimDraft(customer.id, line_id("demo-1", "丹东草莓"), Reason.MISSING,
                           quantity_affected=Decimal("1"), resolution=Resolution.REFUND_ORIGINAL)
        first = open_case(session, draft, utcnow(), load_policy(), "customer:test")
    with unit_of_work() as session:
        second = open_case(session, draft, utcnow(), load_policy(), "customer:test")

    assert first.created and not second.created and first.case.ref == second.case.ref
    assert first.case.state is CaseState.LEADER_REVIEW
    with unit_of_work() as session:
        assert session.scalar(select(func.count(AuditEntry.id))
                              .where(AuditEntry.action.like("case.%"))) == 2


async def test_webhook_acceptances_on_postgres_record_each_message_once(on_postgres):
    """A group of acceptances in one PostgreSQL transaction: a message key seen before
    is skipped without aborting the transaction, and a failing acceptance is left out."""
    def accept(key: str):
        return lambda session: first_time(session, "wechat", key, utcnow())

    def broken(session):
        first_time(session, "wechat", "broken", utcnow())
        raise ValueError("unreadable payload")

    accepting = GroupCommit()
    outcomes = await asyncio.gather(
        *(accepting.run(work) for work in (accept("m1"), accept("m1"), broken, accept("m2"))),
        return_exceptions=True)

    assert outcomes[0] is True and outcomes[1] is False and outcomes[3] is True
    assert isinstance(outcomes[2], ValueError)
    with unit_of_work() as session:
        assert sorted(session.scalars(select(InboundKey.key))) == ["m1", "m2"]


def test_the_database_itself_refuses_a_second_live_case_for_the_same_claim(on_postgres):
    with unit_of_work() as session:
        customer = identify(session, "rest", "demo-1")
        draft = ClaimDraft(customer.id, line_id("demo-1", "丹东草莓"), Reason.MISSING,
                           quantity_affected=Decimal("1"))
        case = open_case(session, draft, utcnow(), load_policy(), "customer:test").case

    with pytest.raises(IntegrityError), unit_of_work() as session:
        original = session.get(ReturnCase, case.id)
        session.add(ReturnCase(**{
            column.key: getattr(original, column.key)
            for column in ReturnCase.__table__.columns if column.key not in ("id", "ref")
        }))


async def test_the_submit_action_works_against_postgres(on_postgres):
    from actions.returns import ActionSubmitReturn

    slots = {"order_line_id": float(line_id("demo-3", "寿光西红柿")), "problem_reason": "no_reason",
             "resolution": "refund_original"}

    messages, _ = await run(ActionSubmitReturn(), tracker("demo-3", "1", "inform", slots))

    assert messages[0]["response"] == "utter_case_opened_auto"


def test_rasa_keeps_conversations_in_postgres(postgres_url, monkeypatch):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.db.tracker_store import UrlSQLTrackerStore

    monkeypatch.setenv("TRACKER_STORE_URL", postgres_url)
    get_settings.cache_clear()
    store = UrlSQLTrackerStore(domain=Domain.empty())
    conversation = DialogueStateTracker.from_events(
        "pg-sender", [ActionExecuted("action_listen"), UserUttered("草莓烂了")]
    )

    import asyncio

    asyncio.run(store.save(conversation))
    restored = asyncio.run(store.retrieve("pg-sender"))

    assert restored is not None and restored.latest_message.text == "草莓烂了"
    get_settings.cache_clear()
