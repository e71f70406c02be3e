"""Obvious group-chat chatter, left out before the NLU reads the rest
(bot/leaders/chatter.py)."""
from __future__ import annotations

import pytest

from bot.leaders.chatter import is_chatter
from bot.leaders.group_chat import GroupMessage, split_messages


def _message(text: str, has_photo: bool = False) -> GroupMessage:
    return GroupMessage(speaker="王姐", text=text, raw=text, has_photo=has_photo)


@pytest.mark.parametrize(
    ("text", "chatter"),
    [
        ("收到", True),
        ("好的", True),
        ("收到，谢谢团长", True),
        ("谢谢团长！辛苦了", True),
        ("好的👌", True),
        ("嗯嗯", True),
        ("ＯＫ", True),
        ("+1", True),
        ("＋1", True),
        ("👍👍👍", True),
        ("。。。", True),
        ("", True),
        ("1. 张三 草莓2", True),
        ("#接龙 草莓\n1. 张阿姨 草莓2\n2. 李叔 葡萄1", True),
        ("几点到", True),
        ("团长今天几点能取？", True),
        ("货到了吗", True),
        ("今天的货到了，大家尽快来取哦", True),
        ("早上好", True),
        ("团长在吗", True),
        # anything with a problem word is left to the NLU
        ("草莓烂了两盒", False),
        ("收到，但是少了一盒", False),
        ("好的，我的鸡蛋碎了", False),
        ("1. 草莓烂了 2. 葡萄少了", False),
        ("几点到？我的还没到", False),
        ("+1 我的也坏了", False),
        ("退款什么时候到", False),
        ("我的也是", False),
        ("西瓜是生的😡", False),
        ("现在就可以", False),
        ("团长，今天的草莓我觉得不太对劲，颜色有点怪，你帮我看看吧", False),
    ],
)
def test_is_chatter(text: str, chatter: bool) -> None:
    assert is_chatter(_message(text)) is chatter


def test_a_photo_is_never_chatter() -> None:
    assert is_chatter(_message("", has_photo=True)) is False
    assert is_chatter(_message("收到", has_photo=True)) is False


def test_chatter_in_a_mixed_block() -> None:
    text = (
        "阿芳团长：今天的货到了，大家尽快来取哦[玫瑰]\n3栋王姐：收到\n"
        "张阿姨：团长，我的草莓烂了一盒\n李叔：几点能取？\n5号楼刘姐：+1\n"
        "刘姐：谢谢团长[玫瑰]\n张阿姨：还有鸡蛋碎了2个"
    )
    kept = [m.text for m in split_messages(text) if not is_chatter(m)]
    assert kept == ["团长，我的草莓烂了一盒", "还有鸡蛋碎了2个"]
