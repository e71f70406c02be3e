"""The running server keeps the NLU contract and escalates angry customers."""
from __future__ import annotations

import json
import urllib.request

import pytest
from sqlalchemy import select

from bot.db import AuditEntry
from bot.nlu.contract import CONTRACT_INTENTS

pytestmark = pytest.mark.e2e


def _parse(product, text: str) -> dict:
    request = urllib.request.Request(f"{product.rasa_url}/model/parse",
                                     json.dumps({"text": text}).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.parametrize(("text", "intent", "angry"), [
    ("草莓烂了两个，能退吗", "report_spoiled", False),
    ("你们卖的什么破烂草莓！！！退钱！", "report_spoiled", True),
    ("我的菜到了吗", "ask_order_status", False),
])
def test_parse_gives_the_contract_intent_and_anger(product, text, intent, angry):
    result = _parse(product, text)

    assert result["intent"]["name"] == intent
    assert result["anger"]["is_angry"] is angry and 0.0 <= result["anger"]["score"] <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "😡😡", "!!!", "hello there", "烂" * 10_000])
def test_parse_of_odd_input_still_has_the_contract_fields(product, text):
    result = _parse(product, text)

    assert result["intent"]["name"] in (*CONTRACT_INTENTS, "inform", "nlu_fallback")
    assert set(result["anger"]) == {"score", "is_angry"}


def test_an_angry_customer_is_told_a_person_will_follow_up(product):
    replies = product.say("demo-4", "你们是不是骗子！！！虾都臭了还卖，我要打12315投诉你们！")

    assert any("人工" in r for r in replies)
    with product.session() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "handoff.requested", AuditEntry.entity_id == "demo-4")).one()
        assert entry.detail["reason"] == "angry"


def test_asking_for_a_person_is_escalated(product):
    replies = product.say("demo-5", "转人工")

    assert any("人工客服" in r for r in replies)
