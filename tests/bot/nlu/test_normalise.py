"""Text normalisation before anything reads a message."""
from __future__ import annotations

import pytest

from bot.nlu.normalise import MAX_CHARS, has_chinese, normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("草莓爛了，我要退貨", "草莓烂了,我要退货"),
        ("請問訂單到哪裡了？", "请问订单到哪里了?"),
        ("２盒ＯＫ的！", "2盒ok的!"),
        ("退款 REFUND", "退款 refund"),
        ("[捂脸]鸡蛋碎了", "[捂脸]鸡蛋碎了"),
        ("  多个   空格\n换行 ", "多个 空格 换行"),
        ("a\x00b\x1fc\u200bd", "a b c d"),
        ("", ""),
        (None, ""),
        ("\ufffd\ufffd", ""),
    ],
)
def test_canonical_form(raw, expected):
    assert normalise(raw) == expected


def test_long_messages_are_cut_to_the_limit():
    assert len(normalise("烂" * 10_000)) == MAX_CHARS
    assert normalise("退款" * 100, max_chars=10) == "退款" * 5


@pytest.mark.parametrize(("text", "expected"), [("草莓", True), ("ok!!!", False), ("😡", False),
                                                ("123 refund", False), ("㐀", True)])
def test_has_chinese(text, expected):
    assert has_chinese(text) is expected
