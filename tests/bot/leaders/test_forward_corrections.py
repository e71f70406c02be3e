"""The leader's fixes before confirming: who, which product, how much, why, and which
items to drop (bot/leaders/forward_corrections.py).

The NLU is a small real one (the ``classify`` fixture): the project's intent and anger
models trained on its own training data. Messages are ones it reads with confidence, as a
leader would paste them. The demo shop's customers are described in
``tests.bot.leaders.forward_chat``.
"""
from __future__ import annotations

import pytest

from bot.db import AuditEntry, ForwardState, LeaderForward, ReturnCase
from bot.leaders.forward_confirming import confirm
from bot.leaders.forward_corrections import cancel_forward, correct_item, resolve_item
from bot.leaders.forward_errors import (
    AnswerNotUnderstood,
    CustomerNotFound,
    ForwardClosed,
    ForwardNotFound,
    ItemClosed,
    QuantityNotAccepted,
)
from bot.leaders.forward_items import ItemStatus, summary_lines
from bot.leaders.forward_replies import ForwardReply, ReplyAction, parse_forward_reply
from bot.leaders.forward_store import latest_forward
from tests.bot.leaders.forward_chat import (
    MERGED_FORWARD,
    SPEAKER_LINES,
    count,
    customer_id,
    leader_of,
)


def test_an_unknown_speaker_is_named_by_phone_tail(session, read, liu, now, policy) -> None:
    draft = read(MERGED_FORWARD)
    reply = parse_forward_reply("4 是 手机尾号4571")

    fixed = resolve_item(session, draft.forward_id, liu, reply.number, reply.answer, now=now,
                         policy=policy)

    assert summary_lines(fixed)[3] == "4. 阳台上的猫（王小美） 光明原味酸奶 1盒 少发 — 可退 ¥12.90"
    assert fixed.item(4).customer_id == customer_id(session, "小美")
    assert count(session, AuditEntry, AuditEntry.action == "leader_forward.item_resolved") == 1


def test_an_ambiguous_customer_is_picked_from_the_candidates(session, read, liu, now, policy) -> None:
    draft = read(MERGED_FORWARD)

    with pytest.raises(AnswerNotUnderstood):
        resolve_item(session, draft.forward_id, liu, 3, "5", now=now, policy=policy)
    with pytest.raises(CustomerNotFound):
        resolve_item(session, draft.forward_id, liu, 3, "路人甲", now=now, policy=policy)
    fixed = resolve_item(session, draft.forward_id, liu, 3, "①", now=now, policy=policy)

    assert fixed.item(3).customer_name == "马丽华"
    assert fixed.item(3).status not in (ItemStatus.CHOOSE_CUSTOMER, ItemStatus.UNKNOWN_CUSTOMER)
    assert count(session, AuditEntry, AuditEntry.action == "leader_forward.item_resolved") == 1


def test_an_unclear_product_is_picked_by_name_or_number(session, read, liu, now, policy) -> None:
    draft = read("豆豆妈妈：收到的东西是烂的")

    assert summary_lines(draft) == [
        "1. 豆豆妈妈 说的是哪件商品？① 定制生日蛋糕 1个 ② 基围虾 1斤 ③ 菠菜 1把，请回复「1 是 序号」"]
    by_number = resolve_item(session, draft.forward_id, liu, 1, "3", now=now, policy=policy)
    assert by_number.item(1).product == "菠菜"
    by_name = resolve_item(session, draft.forward_id, liu, 1, "蛋糕", now=now, policy=policy)
    assert summary_lines(by_name) == [
        "1. 豆豆妈妈 定制生日蛋糕 1个 变质 — 可退 ¥168.00（无照片，请当面核实，需平台审核）"]


def test_quantity_and_reason_are_corrected(session, read, liu, now, policy) -> None:
    draft = read(MERGED_FORWARD)
    reply = parse_forward_reply("1 改 1盒")

    fewer = correct_item(session, draft.forward_id, liu, reply.number, quantity=reply.quantity,
                         now=now, policy=policy)
    damaged = correct_item(session, draft.forward_id, liu, 1, reason="压坏了", now=now,
                           policy=policy)

    assert summary_lines(fewer)[0] == "1. 小美 丹东草莓 1盒 变质 — 可退 ¥29.90（群里的照片可以转发给我）"
    assert summary_lines(damaged)[0] == "1. 小美 丹东草莓 1盒 破损 — 可退 ¥29.90（群里的照片可以转发给我）"
    with pytest.raises(QuantityNotAccepted):
        correct_item(session, draft.forward_id, liu, 1, quantity="5盒", now=now, policy=policy)
    with pytest.raises(AnswerNotUnderstood):
        correct_item(session, draft.forward_id, liu, 1, reason="随便", now=now, policy=policy)
    with pytest.raises(AnswerNotUnderstood):   # whose line is not known yet
        correct_item(session, draft.forward_id, liu, 4, quantity="1盒", now=now, policy=policy)
    confirm(session, liu, draft.forward_id, {1}, now, policy)
    with pytest.raises(ItemClosed):
        correct_item(session, draft.forward_id, liu, 1, quantity="2盒", now=now, policy=policy)
    assert count(session, AuditEntry, AuditEntry.action == "leader_forward.item_corrected") == 2


def test_cancelling_items_and_the_whole_forward(session, read, liu, now, policy) -> None:
    draft = read(SPEAKER_LINES)

    fewer = cancel_forward(session, liu, draft.forward_id, set(parse_forward_reply("取消 3").numbers))
    done = confirm(session, liu, draft.forward_id, None, now, policy)
    rest = cancel_forward(session, liu, draft.forward_id)

    assert summary_lines(fewer)[2] == "3. 小美 — 已取消"
    assert [c.product_name for c in done.created] == ["基围虾", "丹东草莓"]
    assert rest.state is ForwardState.CONFIRMED  # its cases stay
    other = read("小美：洗衣液不想要了，没拆封")
    assert parse_forward_reply("取消") == ForwardReply(ReplyAction.CANCEL)
    cancelled = cancel_forward(session, liu, other.forward_id)
    assert cancelled.state is ForwardState.CANCELLED
    with pytest.raises(ForwardClosed):
        confirm(session, liu, other.forward_id, None, now, policy)
    assert latest_forward(session, liu).forward_id == draft.forward_id


def test_a_leader_acts_only_on_their_own_forward(session, read, liu, now, policy) -> None:
    draft = read(MERGED_FORWARD)
    chen = leader_of(session, "PP02")

    with pytest.raises(ForwardNotFound):
        confirm(session, chen, draft.forward_id, None, now, policy)
    with pytest.raises(ForwardNotFound):
        resolve_item(session, draft.forward_id, chen, 4, "手机尾号4571", now=now, policy=policy)
    with pytest.raises(ForwardNotFound):
        correct_item(session, draft.forward_id, chen, 1, quantity="1盒", now=now, policy=policy)
    with pytest.raises(ForwardNotFound):
        cancel_forward(session, chen, draft.forward_id)
    assert count(session, ReturnCase, ReturnCase.source == "leader_forward") == 0
    assert session.get(LeaderForward, draft.forward_id).state is ForwardState.PENDING
