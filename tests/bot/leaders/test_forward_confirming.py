"""Confirming a forward: its ready items become cases in the customers' names
(bot/leaders/forward_confirming.py).

The NLU is a small real one (the ``classify`` fixture): the project's intent and anger
models trained on its own training data. Messages are ones it reads with confidence, as a
leader would paste them. The demo shop's customers are described in
``tests.bot.leaders.forward_chat``.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from bot.cases import ClaimDraft, ClaimIncomplete, open_case
from bot.db import AuditEntry, ForwardState, LeaderForward, Refund, ReturnCase
from bot.enums import CaseState, Reason, Review
from bot.leaders.forward_confirming import Skipped, confirm
from bot.leaders.forward_corrections import correct_item
from bot.leaders.forward_items import ItemStatus, summary_lines
from bot.leaders.forward_replies import parse_forward_reply
from bot.orders import recent_lines
from tests.bot.leaders.forward_chat import (
    MERGED_FORWARD,
    SPEAKER_LINES,
    case,
    count,
    customer_id,
    photo,
)


def test_confirming_opens_the_ready_cases_in_the_customers_name(session, read, liu, now, policy) -> None:
    draft = read(MERGED_FORWARD)

    done = confirm(session, liu, draft.forward_id, None, now, policy)

    assert [c.product_name for c in done.created] == ["丹东草莓", "基围虾"]
    assert done.skipped == (Skipped(3, ItemStatus.CHOOSE_CUSTOMER), Skipped(4, ItemStatus.UNKNOWN_CUSTOMER))
    strawberries = case(session, done.created[0].ref)
    assert strawberries.customer.name == "王小美"
    assert (strawberries.source, strawberries.forwarded_by_leader_id, strawberries.conversation_id) == (
        "leader_forward", liu, "demo-1")
    assert strawberries.source_text == "小美 10:32\n@团长 今天拿的草莓两盒都烂了[捂脸]\n[图片]"
    assert strawberries.quantity_affected == Decimal("2") and strawberries.refund_amount == Decimal("59.80")
    assert (strawberries.state, strawberries.review) == (CaseState.SUBMITTED, Review.PLATFORM)
    assert strawberries.events[0].actor == f"leader:{liu}"
    assert case(session, done.created[1].ref).conversation_id == "demo-4"
    row = session.get(LeaderForward, draft.forward_id)
    assert (row.state, row.confirmed_at) == (ForwardState.CONFIRMED, now)
    assert row.case_ids == sorted(c.id for c in done.created)
    assert summary_lines(done.draft)[:2] == [
        f"1. 小美 丹东草莓 2盒 变质 — 已登记 {done.created[0].ref}",
        f"2. 豆豆妈妈 基围虾 1斤 变质 — 已登记 {done.created[1].ref}",
    ]
    assert count(session, AuditEntry, AuditEntry.action == "leader_forward.confirmed") == 1


def test_confirming_by_number_then_all_then_again(session, read, liu, now, policy) -> None:
    draft = read(SPEAKER_LINES)
    reply = parse_forward_reply("确认 2")

    second = confirm(session, liu, draft.forward_id, set(reply.numbers), now, policy)
    rest = confirm(session, liu, draft.forward_id, None, now, policy)
    again = confirm(session, liu, draft.forward_id, None, now, policy)

    assert [c.product_name for c in second.created] == ["丹东草莓"]
    assert [c.product_name for c in rest.created] == ["基围虾", "土鸡蛋"]
    assert [c.ref for c in rest.existing] == [second.created[0].ref]
    assert again.created == () and again.skipped == ()
    assert sorted(c.ref for c in again.existing) == sorted(c.ref for c in rest.cases)
    assert count(session, ReturnCase, ReturnCase.source == "leader_forward") == 3
    assert count(session, AuditEntry, AuditEntry.action == "leader_forward.confirmed") == 2


def test_confirming_an_unknown_number_reports_it(session, read, liu, now, policy) -> None:
    draft = read("小美：草莓烂了一盒")

    done = confirm(session, liu, draft.forward_id, {1, 7}, now, policy)

    assert len(done.created) == 1 and done.skipped == (Skipped(7, None),)


def test_a_missing_photo_is_waived_and_the_case_waits_for_the_leaders_check(
        session, read, liu, now, policy, app_db) -> None:
    draft = read("小美：草莓烂了一盒")
    item = draft.item(1)

    assert (item.status, item.photo_waived, item.review) == (ItemStatus.READY, True, "leader")
    assert summary_lines(draft) == ["1. 小美 丹东草莓 1盒 变质 — 可退 ¥29.90（无照片，请当面核实）"]
    created = confirm(session, liu, draft.forward_id, None, now, policy).created[0]
    row = case(session, created.ref)
    assert (row.state, row.review, row.evidence) == (CaseState.LEADER_REVIEW, Review.LEADER, [])
    assert count(session, Refund, Refund.case_id == row.id) == 0
    # A customer's own claim still needs the photo.
    line = next(v for v in recent_lines(session, row.customer_id, now) if v.product_name == "丹东草莓")
    with pytest.raises(ClaimIncomplete):
        open_case(session, ClaimDraft(row.customer_id, line.line_id, Reason.DAMAGED), now, policy,
                  "customer:1")


def test_the_customers_own_case_is_reported_not_duplicated(session, read, liu, now, policy, app_db) -> None:
    xiaomei = customer_id(session, "小美")
    line = next(v for v in recent_lines(session, xiaomei, now) if v.product_name == "丹东草莓")
    own = open_case(session, ClaimDraft(xiaomei, line.line_id, Reason.SPOILED, Decimal("1"),
                                        evidence_id=photo(session, app_db, xiaomei)),
                    now, policy, f"customer:{xiaomei}").case
    draft = read("小美：草莓烂了一盒")

    done = confirm(session, liu, draft.forward_id, None, now, policy)

    assert done.created == () and [c.ref for c in done.existing] == [own.ref]
    assert case(session, own.ref).source == "customer"
    assert summary_lines(done.draft) == [f"1. 小美 丹东草莓 — 已有售后单 {own.ref}，不重复登记"]


def test_a_no_reason_return_needs_the_goods_unopened(session, read, liu, now, policy) -> None:
    draft = read("小美：洗衣液不想要了")

    assert summary_lines(draft) == [
        "1. 小美 洗衣液 1瓶 不想要了 — 没拆封才能退，没拆封请回复「1 没拆封」"]
    reply = parse_forward_reply("1 没拆封")
    fixed = correct_item(session, draft.forward_id, liu, reply.number, unopened=reply.unopened,
                         now=now, policy=policy)
    assert summary_lines(fixed) == ["1. 小美 洗衣液 1瓶 不想要了 — 可退 ¥29.90"]
    created = confirm(session, liu, draft.forward_id, None, now, policy).created
    assert [(c.product_name, c.reason) for c in created] == [("洗衣液", Reason.NO_REASON)]
