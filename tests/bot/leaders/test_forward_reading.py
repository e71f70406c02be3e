"""Forwarded group chat read into numbered complaints (bot/leaders/forward_reading.py),
and the same text forwarded twice.

The NLU is a small real one (the ``classify`` fixture): the project's intent and anger
models trained on its own training data. Messages are ones it reads with confidence, as a
leader would paste them. The demo shop's customers are described in
``tests.bot.leaders.forward_chat``.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.db import AuditEntry, ForwardState, LeaderForward, ReturnCase
from bot.enums import Reason
from bot.leaders.forward_confirming import Skipped, confirm
from bot.leaders.forward_corrections import resolve_item
from bot.leaders.forward_items import ItemStatus, Reading, summary_lines
from bot.leaders.forward_reading import read_forward
from bot.leaders.forward_replies import parse_forward_reply
from tests.bot.leaders.forward_chat import MERGED_FORWARD, SPEAKER_LINES, count, leader_of

# --------------------------------------------------------------------------- reading


def test_a_merged_wechat_forward_becomes_a_numbered_summary(session, read, liu) -> None:
    draft = read(MERGED_FORWARD)

    assert [(i.number, i.speaker, i.status) for i in draft.items] == [
        (1, "小美", ItemStatus.READY),
        (2, "豆豆妈妈", ItemStatus.READY),
        (3, "小王", ItemStatus.CHOOSE_CUSTOMER),
        (4, "阳台上的猫", ItemStatus.UNKNOWN_CUSTOMER),
    ]
    assert summary_lines(draft) == [
        "1. 小美 丹东草莓 2盒 变质 — 可退 ¥59.80（群里的照片可以转发给我，需平台审核）",
        "2. 豆豆妈妈 基围虾 1斤 变质 — 可退 ¥49.90（无照片，请当面核实，需平台审核）",
        "3. 「小王」是哪一位？① 马丽华（小王妈妈） 尾号9340，请回复「3 是 序号」或「3 是 手机尾号1234」",
        "4. 「阳台上的猫」找不到这位顾客，请回复「4 是 手机尾号1234」",
    ]
    first = draft.item(1)
    assert (first.reason, first.quantity, first.has_photo, first.eligible) == (
        Reason.SPOILED, Decimal("2"), True, True)
    assert first.raw == "小美 10:32\n@团长 今天拿的草莓两盒都烂了[捂脸]\n[图片]"
    row = session.get(LeaderForward, draft.forward_id)
    assert (row.state, row.leader_id, row.conversation_id, len(row.items)) == (
        ForwardState.PENDING, liu, "leader-liu", 4)
    assert count(session, AuditEntry, AuditEntry.action == "leader_forward.read",
                 AuditEntry.actor == f"leader:{liu}") == 1
    assert count(session, ReturnCase, ReturnCase.source == "leader_forward") == 0


def test_speaker_lines_merge_a_customers_messages_and_keep_products_apart(read) -> None:
    draft = read(SPEAKER_LINES)

    assert [(i.speaker, i.product, i.reason, i.quantity) for i in draft.items] == [
        ("豆豆妈妈", "基围虾", Reason.SPOILED, Decimal("0.5")),   # "有一半都是臭的" joins her first line
        ("小美", "丹东草莓", Reason.SPOILED, Decimal("1")),
        ("小美", "土鸡蛋", Reason.DAMAGED, None),                  # 两个 eggs of one box: the box
    ]
    assert draft.item(1).text == "团长，昨天拿的大虾坏了\n有一半都是臭的😡"
    assert all(i.status is ItemStatus.READY for i in draft.items)


def test_a_product_never_bought_and_another_points_customer(session, read, liu, now, policy) -> None:
    draft = read("小美：蓝莓也是坏的\n老李：东北大米里有虫子\n")

    assert summary_lines(draft) == [
        "1. 小美 没买过丹东蓝莓",
        "2. 「老李」找不到这位顾客，请回复「2 是 手机尾号1234」",  # 老李 shops at 翠湖湾
    ]
    done = confirm(session, liu, draft.forward_id, None, now, policy)
    assert done.cases == ()
    assert done.skipped == (Skipped(1, ItemStatus.NOT_BOUGHT), Skipped(2, ItemStatus.UNKNOWN_CUSTOMER))
    assert count(session, ReturnCase, ReturnCase.source == "leader_forward") == 0


def test_one_message_pasted_without_a_speaker(session, read, liu, now, policy) -> None:
    draft = read("团长，我昨天拿的大虾臭了")

    assert summary_lines(draft) == ["1. 不知道是哪位顾客说的，请回复「1 是 手机尾号1234」"]
    reply = parse_forward_reply("1 是 豆豆妈妈")
    fixed = resolve_item(session, draft.forward_id, liu, reply.number, reply.answer,
                         now=now, policy=policy)
    assert summary_lines(fixed) == ["1. 陈晓雯 基围虾 1斤 变质 — 可退 ¥49.90（无照片，请当面核实，需平台审核）"]


@pytest.mark.parametrize("text", [
    "琴琴：收到\n小周：谢谢团长[玫瑰]\n徐老师：今天几点到货？\n",
    "浩然爸爸 09:01\n早上好[太阳]\n吴阿姨 09:05\n+1\n",
    "[图片]",
    "   \n",
    "",
])
def test_chat_without_a_complaint_stores_nothing(session, read, text: str) -> None:
    draft = read(text)

    assert draft.empty and draft.forward_id is None and summary_lines(draft) == []
    assert count(session, LeaderForward) == 0


def test_complaints_the_nlu_is_unsure_of_are_left_out(session, now, policy, liu) -> None:
    def unsure(text: str) -> Reading:
        return Reading("report_spoiled", 0.1, 0.0)

    draft = read_forward(session, liu, "leader-liu", "小美：草莓烂了一盒", now, policy, unsure)

    assert draft.empty


def test_an_angry_customer_is_flagged(read) -> None:
    draft = read("小美：你们这草莓什么玩意！！全是烂的，垃圾，退钱！")

    assert draft.item(1).anger >= 0.6
    assert summary_lines(draft) == [
        "1. 小美 丹东草莓 2盒 变质 — 可退 ¥59.80（无照片，请当面核实，需平台审核，顾客很生气）"]


# --------------------------------------------------------------------------- the same text twice


def test_the_same_text_twice_is_the_same_forward(app_db, now, policy, classify, liu) -> None:
    with app_db.session() as session:
        first = read_forward(session, liu, "leader-liu", MERGED_FORWARD, now, policy, classify)
        session.commit()
    with app_db.session() as session:
        again = read_forward(session, liu, "leader-liu", MERGED_FORWARD.replace("\n", "\r\n  "),
                             now + timedelta(minutes=3), policy, classify)
        done = confirm(session, liu, again.forward_id, None, now, policy)
        session.commit()
    with app_db.session() as session:
        third = read_forward(session, liu, "leader-liu", MERGED_FORWARD, now, policy, classify)
        redo = confirm(session, liu, third.forward_id, None, now, policy)

        assert not first.repeated and again.repeated and third.repeated
        assert first.forward_id == again.forward_id == third.forward_id
        assert third.state is ForwardState.CONFIRMED
        assert third.case_refs == tuple(c.ref for c in done.created) and len(third.case_refs) == 2
        assert redo.created == () and [c.ref for c in redo.existing] == list(third.case_refs)
        assert count(session, LeaderForward) == 1
        assert count(session, ReturnCase, ReturnCase.source == "leader_forward") == 2


def test_another_leader_forwarding_the_same_text_finds_only_their_own_customers(read, session) -> None:
    chen = leader_of(session, "PP02")

    mine, theirs = read(MERGED_FORWARD), read(MERGED_FORWARD, leader=chen)

    assert theirs.forward_id != mine.forward_id and not theirs.repeated
    assert {i.status for i in theirs.items} == {ItemStatus.UNKNOWN_CUSTOMER}
