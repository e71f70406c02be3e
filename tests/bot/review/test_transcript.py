"""A lead's view of one conversation: turns with what was understood, handoff segments,
case changes, masking, and the audited reveal."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db import AuditEntry, HandoffTicket, StaffAccount, TicketStatus
from bot.db.review import ConversationRecord
from bot.db.session import unit_of_work
from bot.review.errors import ConversationNotFound
from bot.review.transcript import transcript
from tests.bot.review.conftest import add_case, at
from tests.review_data import Script, save

ENTITIES = [{"entity": "product", "value": "丹东草莓", "text": "草莓"},
            {"entity": "phone", "value": "13816624571", "text": "13816624571"}]


@pytest.fixture
def record_id(indexer) -> int:
    save([Script("demo-1", at()).says("草莓烂了，打我电话13816624571", "report_spoiled",
                                      confidence=0.88, anger=0.3, entities=ENTITIES)
          .bot("很抱歉！请拍张照片").says("你们到底管不管！！", "request_human", anger=0.81)
          .escalates().agent("您好，我是客服小李，马上帮您处理", "客服小李", 1)])
    add_case("demo-1", at(minutes=0.1), ("approved",))
    with unit_of_work() as session:
        agent = session.scalar(select(StaffAccount).where(StaffAccount.username == "agent1"))
        session.add(HandoffTicket(conversation_id="demo-1", reason="angry", priority=5,
                                  status=TicketStatus.CLOSED, created_at=at(minutes=0.12),
                                  claimed_at=at(minutes=0.15), claimed_by=agent.id,
                                  ended_at=at(minutes=0.2), summary={}))
    indexer.catch_up()
    with unit_of_work() as session:
        return session.scalar(select(ConversationRecord.id))


def view(tracker, record_id: int, reveal: bool = False) -> dict:
    with unit_of_work() as session, tracker.connect() as connection:
        return transcript(session, connection, record_id, reveal=reveal)


def test_every_turn_in_order_with_what_was_understood(tracker, record_id):
    items = view(tracker, record_id)["items"]
    turns = [item for item in items if item["kind"] not in ("case", "handoff")]
    assert [t["kind"] for t in turns] == ["customer", "bot", "customer", "agent"]
    first = turns[0]
    assert first["intent"] == "report_spoiled" and first["confidence"] == 0.88
    assert first["anger"] == 0.3 and first["event_id"] is not None
    assert {e["entity"]: e["value"] for e in first["entities"]}["product"] == "丹东草莓"
    assert turns[3]["agent"] == "客服小李"
    times = [item["at"] for item in items]
    assert times == sorted(times)


def test_handoff_segments_and_case_changes_are_interleaved(tracker, record_id):
    items = view(tracker, record_id)["items"]
    segments = [(i["segment"], i["agent"]) for i in items if i["kind"] == "handoff"]
    assert segments == [("start", "客服小李"), ("claimed", "客服小李"), ("closed", "客服小李")]
    states = [i["to_state"] for i in items if i["kind"] == "case"]
    assert len(states) == 2 and all(states)
    kinds = [i["kind"] for i in items]
    assert kinds.index("case") < kinds.index("handoff") < len(kinds) - 1


def test_phone_numbers_are_masked_until_revealed(tracker, record_id):
    masked = view(tracker, record_id)
    first = next(item for item in masked["items"] if item["kind"] == "customer")
    assert "13816624571" not in str(masked)
    assert "138****4571" in first["text"]
    assert masked["conversation"]["phone"] == "138****4571"

    revealed = view(tracker, record_id, reveal=True)
    assert "13816624571" in next(item["text"] for item in revealed["items"]
                                 if item["kind"] == "customer")


def test_an_unknown_conversation_is_not_found(tracker, record_id):
    with pytest.raises(ConversationNotFound):
        view(tracker, record_id + 999)


def test_reading_a_transcript_changes_nothing(tracker, record_id):
    with unit_of_work() as session:
        before = session.query(AuditEntry).count()
    view(tracker, record_id)
    with unit_of_work() as session:
        assert session.query(AuditEntry).count() == before
