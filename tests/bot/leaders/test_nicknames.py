"""Nickname keys for matching a speaker to a customer (bot/leaders/nicknames.py)."""
from __future__ import annotations

import pytest

from bot.leaders.nicknames import normalise_nickname


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("李阿姨🌸", "李阿姨"),
        ("  张阿姨 ", "张阿姨"),
        ("Amy 小区团购", "amy小区团购"),
        ("３栋王姐", "3栋王姐"),
        ("ＡＭＹ", "amy"),
        ("3栋-王姐~", "3栋王姐"),
        ("👨‍👩‍👧王家", "王家"),
        ("❤️小雨❤️", "小雨"),
        ("刘姐[玫瑰]", "刘姐"),
        ("「向日葵」", "向日葵"),
        ("🌸🌸", ""),
        ("", ""),
    ],
)
def test_normalise_nickname(name: str, key: str) -> None:
    assert normalise_nickname(name) == key
