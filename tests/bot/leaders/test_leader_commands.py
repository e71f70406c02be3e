"""What group leaders type about first checks, read into commands (bot.leaders.commands)."""
from __future__ import annotations

import pytest

from bot.enums import Disposition
from bot.leaders.commands import (
    DISPOSITION_CHOICES,
    Approve,
    Dispose,
    Expecting,
    Reject,
    parse_command,
)
from bot.messages import LEADER_ASK_DISPOSITION, LEADER_DISPOSITION

ON_SITE, HELD, COURIER = Disposition.ON_SITE, Disposition.RETURN_TRIP, Disposition.COURIER_PICKUP
CARD, WHY, GOODS = Expecting.DECISION, Expecting.REASON, Expecting.DISPOSITION


@pytest.mark.parametrize("text, expecting, command", [
    # approving a case by its number
    ("同意 R1024", None, Approve("R1024")),
    ("同意R1024", None, Approve("R1024")),
    ("通过 R1024", None, Approve("R1024")),
    ("批准R1024", None, Approve("R1024")),
    ("ok R1024", None, Approve("R1024")),
    ("OK r1024", None, Approve("R1024")),
    ("ｏｋ ｒ１０２４", None, Approve("R1024")),
    ("同意　Ｒ１０２４", None, Approve("R1024")),
    ("R1024 同意", None, Approve("R1024")),
    ("r1024同意了", None, Approve("R1024")),
    ("同意 R1024 👍", None, Approve("R1024")),
    ("同意 1024", None, Approve("R1024")),
    ("属实 R1024", None, Approve("R1024")),
    ("同意 R1024 确实少了一盒", None, Approve("R1024", "确实少了一盒")),
    ("同意，情况属实", None, Approve(None, "情况属实")),
    ("同意", None, Approve(None)),
    # rejecting, with or without the reason
    ("拒绝 R1024 包装完好", None, Reject("R1024", "包装完好")),
    ("驳回 R1024：照片看不出问题", None, Reject("R1024", "照片看不出问题")),
    ("不同意 R1024，顾客自己摔的[捂脸]", None, Reject("R1024", "顾客自己摔的")),
    ("拒绝R1024 原因：已经拆封了。", None, Reject("R1024", "已经拆封了")),
    ("R1024 不通过 鸡蛋是好的,没有碎", None, Reject("R1024", "鸡蛋是好的，没有碎")),
    ("R1024 拒绝", None, Reject("R1024")),
    ("拒绝", None, Reject(None)),
    ("驳回：两盒都拿走了", None, Reject(None, "两盒都拿走了")),
    # what happened to the goods
    ("R1024 现场处理", None, Dispose("R1024", ON_SITE)),
    ("R1024 就地处理了", None, Dispose("R1024", ON_SITE)),
    ("r1024 已现场处理", None, Dispose("R1024", ON_SITE)),
    ("R1024 留存", None, Dispose("R1024", HELD)),
    ("R1024 随车带回", None, Dispose("R1024", HELD)),
    ("R1024 交快递", None, Dispose("R1024", COURIER)),
    ("交快递 R1024", None, Dispose("R1024", COURIER)),
    ("现场处理", None, Dispose(None, ON_SITE)),
    # numbered answers, only when the assistant just asked
    ("1", CARD, Approve(None)),
    ("１", CARD, Approve(None)),
    ("2", CARD, Reject(None)),
    ("2 包装完好", CARD, Reject(None, "包装完好")),
    ("2包装完好", CARD, Reject(None, "包装完好")),
    ("第1个", CARD, Approve(None)),
    ("1", GOODS, Dispose(None, ON_SITE)),
    ("2", GOODS, Dispose(None, HELD)),
    ("３", GOODS, Dispose(None, COURIER)),
    ("包装完好，可以二次销售", WHY, Reject(None, "包装完好，可以二次销售")),
    ("拒绝 R1024 包装完好", WHY, Reject("R1024", "包装完好")),
    ("同意 R1025", CARD, Approve("R1025")),
    # not commands: nothing happens
    ("", None, None),
    ("   ", None, None),
    (None, None, None),
    ("你好", None, None),
    ("好的", None, None),
    ("1", None, None),
    ("3", CARD, None),
    ("4", GOODS, None),
    ("1024", WHY, None),
    ("R1024", None, None),
    ("同意吗？", None, None),
    ("R1024 可以退吗", None, None),
    ("同意 R12", None, None),
    ("同意 R1024 R1025", None, None),
    ("可以 2024年的订单", None, None),
    ("通过微信付的款", None, None),
    ("R1024 现场看了没问题", None, None),
    ("R1024 快递还没来", None, None),
    ("张阿姨：草莓坏了两盒[捂脸]", None, None),
])
def test_what_leaders_type(text, expecting, command):
    assert parse_command(text, expecting) == command


def test_numbered_dispositions_match_the_question_the_leader_sees():
    for number, disposition in enumerate(DISPOSITION_CHOICES, start=1):
        assert f"{number}. {LEADER_DISPOSITION[disposition]}" in LEADER_ASK_DISPOSITION
        assert parse_command(str(number), GOODS) == Dispose(None, disposition)
