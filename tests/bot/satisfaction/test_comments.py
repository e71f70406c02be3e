"""Telling a comment from "no comment" and from a new request."""
from __future__ import annotations

import pytest

from bot.satisfaction import is_new_request, is_no_comment


@pytest.mark.parametrize("text", ["没有", "没有了～", "不用了。", "算了", "  ", "", "没事",
                                  "谢谢！", "好的", "OK", "没有意见"])
def test_declining_to_comment(text):
    assert is_no_comment(text)


@pytest.mark.parametrize("text", ["等了半小时才有人回", "没有人回我", "不用了吧，太慢了",
                                  "小李很好，谢谢", "包装太差"])
def test_a_real_comment(text):
    assert not is_no_comment(text)


@pytest.mark.parametrize("intent, confidence, new", [
    ("ask_order_status", 0.98, True), ("report_damaged", 0.9, True),
    ("request_human", 0.99, True), ("greet", 0.97, True),
    ("urge_case", 0.62, False), ("greet", 0.65, False),
    ("thank", 0.99, False), ("deny", 0.99, False), ("nlu_fallback", 0.1, False),
    ("out_of_scope", 0.95, False), (None, 0.0, False),
])
def test_only_a_confident_request_is_a_new_request(intent, confidence, new):
    assert is_new_request(intent, confidence) is new
