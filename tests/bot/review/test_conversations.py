"""Every filter of the review list, over conversations stored through the tracker store."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.db.review import ConversationRecord
from bot.db.satisfaction import SatisfactionSurvey, SurveySubject
from bot.db.session import unit_of_work
from bot.review.conversations import count, list_page
from bot.review.errors import BadFilter
from bot.review.filters import parse_filter
from tests.bot.review.conftest import add_case, at
from tests.review_data import Script, save

TODAY = date(2026, 11, 20)


@pytest.fixture
def shop(indexer) -> dict[str, str]:
    """Five conversations; returns each one's case ref where it has one."""
    save([
        Script("demo-1", at()).says("草莓全烂了！！你们搞什么，电话13816624571", "report_spoiled",
                                    anger=0.92).escalates().agent("您好", "客服小李", 1),
        Script("demo-2", at(minutes=5)).says("我的订单到哪了", "ask_order_status")
        .bot("在路上").says("嗯？？", "nlu_fallback", confidence=0.2),
        Script("wx-open-id-7", at(minutes=10), channel="wechat").says("退货规则是什么",
                                                                      "ask_return_policy"),
        Script("demo-4", at(days=-3)).says("鸡蛋碎了三个，能退吗", "report_damaged")
        .bot("好的，已经为您登记"),
        Script("demo-5", at(days=-10)).says("牛奶少了一盒", "report_missing_item"),
    ])
    refs = {"demo-1": add_case("demo-1", at(minutes=0.05), ("approved", "refund_pending",
                                                            "refunded")),
            "demo-4": add_case("demo-4", at(days=-3, minutes=0.05), ("rejected",))}
    indexer.catch_up()
    with unit_of_work() as session:
        session.add(SatisfactionSurvey(conversation_id="demo-1", subject=SurveySubject.HANDOFF,
                                       asked_at=at(minutes=1), score=2, answered_at=at(2)))
    return refs


def senders(**params: str | list[str]) -> list[str]:
    query = {name: value if isinstance(value, list) else [value]
             for name, value in params.items()}
    criteria = parse_filter(query, TODAY)
    with unit_of_work() as session:
        page = list_page(session, criteria)
        assert page.total == len(page.records) == count(session, criteria)
        return [record.sender_id for record in page.records]


def test_without_filters_the_last_seven_days_newest_first(shop):
    assert senders() == ["wx-open-id-7", "demo-2", "demo-1", "demo-4"]


def test_date_range(shop):
    assert senders(**{"from": "2026-11-10", "to": "2026-11-10"}) == ["demo-5"]
    assert senders(**{"from": "2026-11-01", "to": "2026-11-19"}) == ["demo-4", "demo-5"]


def test_channel(shop):
    assert senders(channel="wechat") == ["wx-open-id-7"]
    assert senders(channel="rest,wechat") == ["wx-open-id-7", "demo-2", "demo-1", "demo-4"]


def test_customer_by_name_phone_tail_or_sender(shop):
    assert senders(customer="4571") == ["demo-1"]
    assert senders(customer="wx-open-id-7") == ["wx-open-id-7"]
    assert senders(customer="没有这个人") == []


def test_pickup_point(shop):
    with unit_of_work() as session:
        point = session.scalar(select(ConversationRecord.pickup_point_id)
                               .where(ConversationRecord.sender_id == "demo-1"))
    assert "demo-1" in senders(point=str(point))
    assert "wx-open-id-7" not in senders(point=str(point))


def test_intents_seen(shop):
    assert senders(intent="report_spoiled") == ["demo-1"]
    assert senders(intent=["report_spoiled", "report_damaged"]) == ["demo-1", "demo-4"]


def test_escalated_and_anger(shop):
    assert senders(escalated="1") == ["demo-1"]
    assert senders(angry="true") == ["demo-1"]
    assert "demo-1" not in senders(angry="0")


def test_fallback(shop):
    assert senders(fallback="yes") == ["demo-2"]


def test_outcome(shop):
    assert senders(outcome="case_opened") == ["demo-1", "demo-4"]
    assert senders(outcome="refunded") == ["demo-1"]
    assert senders(outcome="approved") == ["demo-1"]
    assert senders(outcome="rejected") == ["demo-4"]
    assert senders(outcome="no_case") == ["wx-open-id-7", "demo-2"]


def test_satisfaction(shop):
    assert senders(satisfaction="1,2") == ["demo-1"]
    assert senders(satisfaction="5") == []


def test_full_text_in_chinese(shop):
    assert senders(q="草莓") == ["demo-1"]
    assert senders(q="订单 到哪") == ["demo-2"]
    assert senders(q="100%") == []


def test_filters_combine(shop):
    assert senders(channel="rest", outcome="case_opened", angry="no") == ["demo-4"]


def test_pages_follow_each_other_without_gaps(shop):
    criteria = parse_filter({"from": ["2026-11-01"]}, TODAY)
    seen, cursor = [], None
    with unit_of_work() as session:
        while True:
            page = list_page(session, criteria, cursor=cursor, limit=2)
            seen += [record.sender_id for record in page.records]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert seen == ["wx-open-id-7", "demo-2", "demo-1", "demo-4", "demo-5"]


@pytest.mark.parametrize("params, field", [
    ({"from": ["2026-13-01"]}, "from"),
    ({"from": ["2026-11-20"], "to": ["2026-11-01"]}, "from"),
    ({"from": ["2024-01-01"], "to": ["2026-11-20"]}, "from"),
    ({"channel": ["rest'; DROP TABLE events;--"]}, "channel"),
    ({"intent": ["hack"]}, "intent"),
    ({"point": ["1 OR 1=1"]}, "point"),
    ({"escalated": ["maybe"]}, "escalated"),
    ({"outcome": ["lost"]}, "outcome"),
    ({"satisfaction": ["9"]}, "satisfaction"),
    ({"q": ["长" * 60]}, "q"),
])
def test_bad_values_are_refused_by_name(params, field):
    with pytest.raises(BadFilter) as refused:
        parse_filter(params, TODAY)
    assert refused.value.field == field


def test_a_forged_cursor_is_refused(shop):
    with unit_of_work() as session, pytest.raises(BadFilter):
        list_page(session, parse_filter({}, TODAY), cursor="not-a-cursor")
