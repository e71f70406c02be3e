"""Compensation coupons (by policy, never twice for a case, listed when asked) and what the
customer is told about their refund: payment is claimed only once it happened."""
from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from actions.coupons import ActionListCoupons
from actions.returns import ActionSubmitReturn
from bot import messages
from bot.cases import open_case
from bot.cases.review import issue_coupon
from bot.db import Coupon, ReturnCase
from bot.db.session import unit_of_work
from bot.enums import Resolution
from bot.leaders.notices import decision_notices
from bot.policy import load_policy
from bot.refunds import coupons, notices, payout
from bot.refunds.errors import CouponAlreadyIssued
from bot.refunds.gateway import WeChatPayGateway
from bot.settings import get_settings
from bot.timefmt import CHINA
from tests.actions.lookups import line_id
from tests.actions.trackers import run, tracker
from tests.bot.cases.claims import customer_id, photo, strawberry_claim
from tests.bot.refunds.support import approved_case, refunds_of, use_wechat_pay


def auto_approved(app_db, now, **changes):
    """demo-1: one box of strawberries spoiled, photo sent: approved by the bot."""
    with unit_of_work() as session:
        return open_case(session, strawberry_claim(session, app_db, now, **changes), now,
                         load_policy(), "customer:demo-1").case


def compensation_coupons(case_id: int) -> list[Coupon]:
    with unit_of_work() as session:
        return list(session.scalars(select(Coupon).where(Coupon.case_id == case_id,
                                                         Coupon.kind == "compensation")))


# ---------------------------------------------------------------- compensation


def test_a_quality_problem_earns_the_policys_coupon_with_its_validity(app_db, now):
    case = auto_approved(app_db, now)

    [coupon] = compensation_coupons(case.id)
    policy = load_policy()
    assert (coupon.amount, coupon.state) == (policy.compensation_coupon, "issued")
    assert coupon.expires_at == now + timedelta(days=policy.coupon_valid_days)


def test_the_compensation_coupon_is_never_issued_twice_for_a_case(app_db, now):
    case = auto_approved(app_db, now)

    with unit_of_work() as session:
        row = session.get(ReturnCase, case.id)
        with pytest.raises(CouponAlreadyIssued):
            coupons.issue(session, customer_id=row.customer_id, case=row,
                          amount=Decimal("3"), kind="compensation", actor="bot", at=now)
    with pytest.raises(CouponAlreadyIssued) as staff_try, unit_of_work() as session:
        issue_coupon(session, case.id, actor="staff:1", now=now, amount=Decimal("3"),
                     kind="compensation")
    assert "已经发过补偿券" in str(staff_try.value)
    # Past the service, the database refuses a second one too.
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.add(Coupon(code="CPDUPLICATE1", customer_id=customer_id(session, "demo-1"),
                           case_id=case.id, amount=Decimal("3"), kind="compensation",
                           state="issued", expires_at=now, created_at=now))
    assert len(compensation_coupons(case.id)) == 1
    # A goodwill coupon on the same case is another matter.
    with unit_of_work() as session:
        issue_coupon(session, case.id, actor="staff:1", now=now, amount=Decimal("5"))


def test_concurrent_issuing_gives_one_compensation_coupon(app_db, now):
    with unit_of_work() as session:
        draft = strawberry_claim(session, app_db, now, quantity_affected=Decimal("2"))
        case = open_case(session, draft, now, load_policy(), "customer:demo-1").case
    start, outcomes = threading.Barrier(4), []

    def issue() -> None:
        start.wait()
        try:
            with unit_of_work() as session:
                row = session.get(ReturnCase, case.id)
                coupons.issue(session, customer_id=row.customer_id, case=row,
                              amount=Decimal("3"), kind="compensation", actor="bot", at=now)
            outcomes.append("issued")
        except (CouponAlreadyIssued, IntegrityError):
            outcomes.append("refused")

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["issued"] + ["refused"] * 3
    assert len(compensation_coupons(case.id)) == 1


def test_coupons_are_listed_soonest_to_expire_first_and_used_once(app_db, now):
    case = auto_approved(app_db, now)
    with unit_of_work() as session:
        goodwill = issue_coupon(session, case.id, actor="staff:1", now=now, amount=Decimal("5"))
        demo1 = customer_id(session, "demo-1")
        listed = coupons.customer_coupons(session, demo1, now)
    assert [(c.amount, c.kind, c.case_ref) for c in listed] == [
        (Decimal("3.00"), "compensation", case.ref), (Decimal("5.00"), "goodwill", case.ref)]

    with unit_of_work() as session:
        coupons.redeem(session, goodwill.code, customer_id=demo1, order_no="MT9", actor="bot",
                       at=now)
    with pytest.raises(coupons.CouponNotUsable, match="已使用"), unit_of_work() as session:
        coupons.redeem(session, goodwill.code, customer_id=demo1, order_no="MT10",
                       actor="bot", at=now)
    with unit_of_work() as session:
        assert [c.kind for c in coupons.customer_coupons(session, demo1, now)] == [
            "compensation"]
        later = now + timedelta(days=31)
        assert coupons.customer_coupons(session, demo1, later) == [], "expired"
        with pytest.raises(coupons.CouponNotUsable, match="已过期"):
            coupons.redeem(session, listed[0].code, customer_id=demo1, order_no="MT11",
                           actor="bot", at=later)


async def test_the_customer_asking_sees_their_coupons_and_balance(app_db, now):
    case = auto_approved(app_db, now, resolution=Resolution.REFUND_BALANCE)

    sent, _ = await run(ActionListCoupons(), tracker("demo-1", "我的优惠券", "ask_coupons"))

    [message] = sent
    assert message["response"] == "utter_coupons"
    lines = message["report"].split("\n")
    [coupon] = compensation_coupons(case.id)
    expires = coupon.expires_at.astimezone(CHINA).strftime("%Y-%m-%d")
    assert lines == [
        "您有 1 张可用的无门槛优惠券：",
        f"· ¥3.00（{coupon.code}），{expires} 前有效，售后单 {case.ref} 的补偿",
        "账户余额：¥29.90，下单时可以直接抵扣。",
        "下单时在优惠券里选择就能直接抵扣～",
    ]
    none, _ = await run(ActionListCoupons(), tracker("demo-2", "我有什么券", "ask_coupons"))
    assert none[0]["report"] == "您目前没有可用的优惠券。"


# ---------------------------------------------------------------- what the customer is told


async def test_without_wechat_pay_the_customer_hears_a_person_will_pay_it(app_db):
    sent, _ = await run(ActionSubmitReturn(), tracker_for_auto(app_db, "refund_original"))

    [opened, _coupon] = sent
    assert opened["response"] == "utter_case_opened_auto"
    assert opened["method"] == "需要工作人员人工原路退回您的微信，办好后会通知您"
    assert "已退回" not in opened["method"] and "到账" not in opened["method"]


async def test_with_wechat_pay_the_customer_hears_it_is_on_its_way_then_that_it_arrived(
        app_db, now, fake_pay, monkeypatch):
    use_wechat_pay(monkeypatch, fake_pay)
    sent, _ = await run(ActionSubmitReturn(), tracker_for_auto(app_db, "refund_original"))
    assert sent[0]["method"] == "正在原路退回您的微信，微信支付确认退款后会马上通知您"
    [case_ref] = [m["ref"] for m in sent if m.get("ref")]

    fake_pay.fail_next("NOTENOUGH")
    policy = payout.RetryPolicy(3, 30)
    gateway = WeChatPayGateway(get_settings().wechat_pay)
    payout.run_round(gateway, now + timedelta(minutes=10), policy)
    with unit_of_work() as session:
        assert notices.due(session) == [], "a failed attempt tells the customer nothing yet"
    payout.run_round(gateway, now + timedelta(hours=1), policy)
    with unit_of_work() as session:
        [refund_id] = notices.due(session)
        notice = notices.take(session, refund_id, now)
    assert notice.text == f"您的售后单 {case_ref} 的退款 ¥29.90 已退回微信零钱，预计1-3天到账～"


async def test_a_balance_refund_is_said_to_be_in_the_balance_because_it_is(app_db):
    sent, _ = await run(ActionSubmitReturn(), tracker_for_auto(app_db, "refund_balance"))
    assert sent[0]["method"] == "已退到您的账户余额"


def tracker_for_auto(app_db, resolution: str):
    """demo-1 reports one spoiled box of strawberries with a photo: approved by the bot."""
    with unit_of_work() as session:
        evidence = photo(session, app_db, "demo-1")
    slots = {"order_line_id": float(line_id("demo-1", "丹东草莓")), "problem_reason": "spoiled",
             "quantity": "1", "unopened": None, "photo": float(evidence),
             "resolution": resolution}
    return tracker("demo-1", "1", "inform", slots)


def test_the_desk_and_leader_notices_claim_no_payment_that_did_not_happen(app_db, now):
    assert messages.desk_approved("R1", Resolution.REFUND_ORIGINAL, Decimal("5"),
                                  Decimal("5")) == (
        "您的售后单 R1 已同意退款 ¥5.00，需要工作人员人工原路退回您的微信，办好后会通知您～")
    assert messages.desk_approved("R1", Resolution.REFUND_BALANCE, Decimal("5"),
                                  Decimal("9")) == (
        "您的售后单 R1 已同意部分退款 ¥5.00，已退到您的账户余额～")
    case = approved_case(app_db, now)
    with unit_of_work() as session:
        assert decision_notices(session, case.id) == [], "no leader decided this one"
    assert refunds_of(case.id)[0].state == "manual"
    for text in messages.REFUND_NOTICE.values():
        assert "{ref}" in text and "{amount}" in text
