"""The indexer folds tracker events, written by Rasa's own tracker store, into one row
per conversation session."""
from __future__ import annotations

from sqlalchemy import select

from bot.db import Customer
from bot.db.review import ConversationRecord, IndexCursor
from bot.db.session import unit_of_work
from bot.review.indexer import CURSOR
from tests.bot.review.conftest import at
from tests.review_data import Script, save

DEMO_1_PHONE = "13816624571"


def records() -> list[ConversationRecord]:
    with unit_of_work() as session:
        rows = session.scalars(select(ConversationRecord).order_by(ConversationRecord.id)).all()
        for row in rows:
            row.intents  # noqa: B018 - load before the session closes
        return rows


def test_a_session_becomes_one_row_with_what_happened_in_it(indexer):
    save([Script("demo-1", at())
          .says("草莓烂了两个，电话13812345678", "report_spoiled", anger=0.2)
          .bot("很抱歉，请拍张照片", after=2)
          .says("你们太过分了！！第三次了", "report_spoiled", anger=0.9)
          .escalates()
          .agent("您好，我是客服小李", "客服小李", 1)])

    assert indexer.catch_up() > 0

    [row] = records()
    with unit_of_work() as session:
        customer = session.get(Customer, row.customer_id)
        assert customer.phone == DEMO_1_PHONE
        assert row.pickup_point_id == customer.pickup_point_id
    assert row.sender_id == "demo-1" and row.channel == "rest"
    assert (row.user_turns, row.bot_turns, row.agent_turns) == (2, 1, 1)
    assert row.escalated and row.angry and row.max_anger == 0.9
    assert [i.intent for i in row.intents] == ["report_spoiled"]
    assert row.first_response_ms == 2010  # the answer came 2.01 s after the message
    assert "第三次了" in row.customer_text


def test_a_new_session_of_the_same_customer_is_a_new_row(indexer):
    save([Script("demo-2", at()).says("我的订单到哪了", "ask_order_status").bot("在路上")])
    indexer.catch_up()
    save([Script("demo-2", at(days=1)).says("嗯嗯好的", "affirm")
          .says("啊啊啊", "nlu_fallback", confidence=0.1)])
    indexer.catch_up()

    first, second = records()
    assert first.user_turns == 1 and {i.intent for i in first.intents} == {"ask_order_status"}
    assert second.user_turns == 2 and second.fallbacks == 1
    assert second.started_at > first.last_at
    assert not second.escalated and not second.angry


def test_running_again_indexes_only_new_events_and_moves_the_cursor(indexer):
    save([Script("demo-3", at()).says("在吗", "greet")])
    first = indexer.catch_up()
    assert indexer.catch_up() == 0
    save([Script("demo-3", at(days=1)).says("在吗", "greet")])
    assert 0 < indexer.catch_up() < first + 10
    with unit_of_work() as session:
        assert session.get(IndexCursor, CURSOR).last_event_id == max(
            r.last_event_id for r in session.scalars(select(ConversationRecord)))


def test_unknown_senders_and_leaders_are_told_apart(indexer):
    save([Script("stranger-9", at()).says("你好", "greet"),
          Script("leader-1", at()).says("1. 张阿姨：草莓坏了", "report_spoiled")])
    indexer.catch_up()

    stranger, leader = records()
    assert stranger.customer_id is None and not stranger.is_leader
    assert leader.is_leader and leader.pickup_point_id is not None


def test_events_still_settling_wait_for_the_next_run(tracker):
    from bot.db.session import get_sessionmaker
    from bot.review.indexer import ConversationIndexer

    save([Script("demo-1", at()).says("你好", "greet")])
    clock = at(minutes=-1).timestamp()
    early = ConversationIndexer(get_sessionmaker(), tracker, settle_seconds=5,
                                clock=lambda: clock)
    assert early.catch_up() == 0
    assert records() == []


def test_a_batch_another_indexer_collides_with_is_read_again(indexer, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    save([Script("demo-1", at()).says("你好", "greet")])
    real = indexer.index_batch
    calls = []

    def first_collides() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))
        return real()

    monkeypatch.setattr(indexer, "index_batch", first_collides)
    assert indexer.catch_up() > 0
    [row] = records()
    assert row.user_turns == 1
