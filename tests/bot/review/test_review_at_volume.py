"""A thousand conversations written through the real tracker store: the list, every kind
of filter and the transcripts agree with what was written."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from bot.db.review import ConversationRecord
from bot.db.session import unit_of_work
from bot.review.conversations import list_page
from bot.review.filters import parse_filter
from bot.review.transcript import transcript
from tests.bot.review.conftest import at
from tests.bot.review.test_conversations import TODAY
from tests.review_data import Script, save

COUNT = 1000
CHANNELS = ("rest", "wechat", "telegram")
INTENTS = ("report_spoiled", "ask_order_status", "urge_case", "ask_return_policy")


def script(n: int) -> Script:
    channel, intent = CHANNELS[n % 3], INTENTS[n % 4]
    conversation = Script(f"volume-{n:04d}", at(minutes=-n * 5), channel=channel)
    conversation.says(f"第{n}号顾客：我的问题是{intent}", intent, anger=0.9 if n % 10 == 0 else 0.1)
    conversation.bot("好的，马上为您处理")
    if n % 7 == 0:
        conversation.says("啥？？", "nlu_fallback", confidence=0.1)
    if n % 10 == 0:
        conversation.escalates()
    return conversation


@pytest.fixture
def volume(indexer) -> float:
    save([script(n) for n in range(COUNT)])
    started = time.perf_counter()
    assert indexer.catch_up(max_batches=100) > COUNT * 5
    return time.perf_counter() - started


def matching(**params: str) -> list[str]:
    query = {"from": ["2026-11-01"], "to": ["2026-11-20"]}
    query.update({name: [value] for name, value in params.items()})
    criteria = parse_filter(query, TODAY)
    seen, cursor = [], None
    with unit_of_work() as session:
        while True:
            page = list_page(session, criteria, cursor=cursor, limit=100)
            seen += [record.sender_id for record in page.records]
            cursor = page.next_cursor
            if cursor is None:
                assert page.total == len(seen)
                return seen


def expected(keep) -> list[str]:
    return [f"volume-{n:04d}" for n in range(COUNT) if keep(n)]


def test_every_conversation_is_listed_once_newest_first(volume):
    assert matching() == expected(lambda n: True)


def test_filters_match_what_was_written(volume):
    assert matching(channel="wechat") == expected(lambda n: n % 3 == 1)
    assert matching(intent="urge_case") == expected(lambda n: n % 4 == 2)
    assert matching(angry="1") == expected(lambda n: n % 10 == 0)
    assert matching(escalated="1") == expected(lambda n: n % 10 == 0)
    assert matching(fallback="1") == expected(lambda n: n % 7 == 0)
    assert matching(q="第123号") == ["volume-0123"]
    assert matching(channel="telegram", intent="report_spoiled", fallback="0") == expected(
        lambda n: n % 3 == 2 and n % 4 == 0 and n % 7 != 0)


def test_a_transcript_shows_the_conversation_as_written(volume, tracker):
    with unit_of_work() as session:
        record_id = session.scalar(select(ConversationRecord.id)
                                   .where(ConversationRecord.sender_id == "volume-0700"))
        view = transcript(session, tracker.connect(), record_id)
    kinds = [item["kind"] for item in view["items"]]
    assert kinds == ["customer", "bot", "customer"]
    assert view["items"][0]["text"] == "第700号顾客：我的问题是report_spoiled"
    assert view["conversation"]["escalated"] and view["conversation"]["fallbacks"] == 1
