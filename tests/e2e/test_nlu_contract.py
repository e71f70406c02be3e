"""The running server keeps the NLU contract (escalation: test_handoff_journey.py)."""
from __future__ import annotations

import pytest

from bot.nlu.contract import CONTRACT_INTENTS

pytestmark = pytest.mark.e2e


def _parse(product, text: str) -> dict:
    return product.api("/model/parse", {"text": text})


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
