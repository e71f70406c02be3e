"""The leader's short answers to a forward summary (bot/leaders/forward_replies.py)."""
from __future__ import annotations

import pytest

from bot.enums import Reason
from bot.leaders.forward_replies import ForwardReply, ReplyAction, parse_forward_reply


@pytest.mark.parametrize(("text", "expected"), [
    ("确认", ForwardReply(ReplyAction.CONFIRM)),
    ("全部确认", ForwardReply(ReplyAction.CONFIRM)),
    ("都确认了", ForwardReply(ReplyAction.CONFIRM)),
    ("确认全部。", ForwardReply(ReplyAction.CONFIRM)),
    ("确认 1 3", ForwardReply(ReplyAction.CONFIRM, numbers=frozenset({1, 3}))),
    ("1,3", ForwardReply(ReplyAction.CONFIRM, numbers=frozenset({1, 3}))),
    ("１，３", ForwardReply(ReplyAction.CONFIRM, numbers=frozenset({1, 3}))),
    ("1、2、4确认", ForwardReply(ReplyAction.CONFIRM, numbers=frozenset({1, 2, 4}))),
    ("第2条确认", ForwardReply(ReplyAction.CONFIRM, numbers=frozenset({2}))),
    ("2", ForwardReply(ReplyAction.CONFIRM, numbers=frozenset({2}))),
    ("取消", ForwardReply(ReplyAction.CANCEL)),
    ("全部取消", ForwardReply(ReplyAction.CANCEL)),
    ("取消 2", ForwardReply(ReplyAction.CANCEL, numbers=frozenset({2}))),
    ("2不要了", ForwardReply(ReplyAction.CANCEL, numbers=frozenset({2}))),
    ("2 是 尾号1234", ForwardReply(ReplyAction.RESOLVE, number=2, answer="尾号1234")),
    ("2 是 手机尾号1234", ForwardReply(ReplyAction.RESOLVE, number=2, answer="手机尾号1234")),
    ("2是1", ForwardReply(ReplyAction.RESOLVE, number=2, answer="1")),
    ("3 是 取货码 123456", ForwardReply(ReplyAction.RESOLVE, number=3, answer="取货码 123456")),
    ("2 是 蓝莓", ForwardReply(ReplyAction.RESOLVE, number=2, answer="蓝莓")),
    ("2 改 3盒", ForwardReply(ReplyAction.CORRECT, number=2, quantity="3盒")),
    ("2改成一半", ForwardReply(ReplyAction.CORRECT, number=2, quantity="一半")),
    ("3 改 2", ForwardReply(ReplyAction.CORRECT, number=3, quantity="2")),
    ("2 改 3个", ForwardReply(ReplyAction.CORRECT, number=2, quantity="3个")),
    ("2 改 变质", ForwardReply(ReplyAction.CORRECT, number=2, reason=Reason.SPOILED)),
    ("2 改 坏了两盒", ForwardReply(ReplyAction.CORRECT, number=2, quantity="坏了两盒",
                                   reason=Reason.SPOILED)),
    ("1 改 少发", ForwardReply(ReplyAction.CORRECT, number=1, reason=Reason.MISSING)),
    ("2 没拆封", ForwardReply(ReplyAction.CORRECT, number=2, unopened=True)),
    ("2 拆了", ForwardReply(ReplyAction.CORRECT, number=2, unopened=False)),
])
def test_leader_replies(text: str, expected: ForwardReply) -> None:
    assert parse_forward_reply(text) == expected


@pytest.mark.parametrize("text", ["好的", "收到", "1234", "2 改 哈哈", "同意 R1024", "草莓烂了", ""])
def test_not_a_reply_to_a_forward(text: str) -> None:
    assert parse_forward_reply(text) is None
