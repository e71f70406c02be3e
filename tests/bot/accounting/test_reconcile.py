"""The reconciliation after a scripted day of cases: every way money went back (WeChat
Pay, by hand, store balance, coupon), compensation, a coupon used, balance spent — the
figures add up and the ledgers balance; tampering with a ledger makes it say where."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from bot.accounting.reconcile import SECTIONS, Section, reconcile
from bot.cases import ClaimDraft, open_case
from bot.cases.review import approve
from bot.cli import main
from bot.db import CustomerBalance, OrderLineRefundTotal, Refund
from bot.db.session import unit_of_work
from bot.enums import Reason, Resolution
from bot.metrics.period import make_period
from bot.policy import load_policy
from bot.refunds import balance, coupons, ledger, payout
from bot.refunds.gateway import WeChatPayGateway
from bot.settings import get_settings
from bot.timefmt import CHINA
from tests.bot.cases.claims import customer_id, line, photo
from tests.bot.refunds.support import fake_pay, use_wechat_pay  # noqa: F401 (a fixture)


def claim(session, app_db, now, sender, product, reason, quantity, resolution, color=None):
    return ClaimDraft(customer_id(session, sender), line(session, sender, product, now).line_id,
                      reason, Decimal(quantity), unopened=True if reason is Reason.NO_REASON
                      else None,
                      evidence_id=photo(session, app_db, sender, color) if color else None,
                      resolution=resolution, conversation_id=sender)


@pytest.fixture
def day(app_db, now, fake_pay, monkeypatch):  # noqa: F811 (the fixture imported above)
    """One day of after-sales, WeChat Pay configured against the fake."""
    use_wechat_pay(monkeypatch, fake_pay)
    gateway = WeChatPayGateway(get_settings().wechat_pay)
    policy = load_policy()
    refs = {}
    with unit_of_work() as session:
        # Strawberries gone bad, photo: approved by the bot, ¥29.90 to the store balance.
        refs["balance"] = open_case(session, claim(
            session, app_db, now, "demo-1", "丹东草莓", Reason.SPOILED, "1",
            Resolution.REFUND_BALANCE, (200, 30, 40)), now, policy, "bot").case
        # Tomatoes not picked up yet, cancelled: ¥7.96 back to WeChat.
        refs["wechat"] = open_case(session, claim(
            session, app_db, now, "demo-3", "寿光西红柿", Reason.NO_REASON, "2",
            Resolution.REFUND_ORIGINAL), now, policy, "bot").case
        # Half a jin of prawns spoiled, photo: ¥24.95 as a coupon.
        refs["coupon"] = open_case(session, claim(
            session, app_db, now, "demo-4", "基围虾", Reason.SPOILED, "0.5",
            Resolution.COUPON, (30, 160, 90)), now, policy, "bot").case
        # Eggs missing: the leader's check, approved by an agent, ¥32.80 to WeChat.
        refs["by_hand"] = open_case(session, claim(
            session, app_db, now, "demo-1", "土鸡蛋", Reason.MISSING, "1",
            Resolution.REFUND_ORIGINAL), now, policy, "bot").case
    retries = payout.RetryPolicy(3, 30)
    # WeChat Pay pays the tomatoes ...
    [tomatoes] = payout.run_round(gateway, now + timedelta(minutes=1), retries)
    assert tomatoes.result == "succeeded"
    with unit_of_work() as session:
        approve(session, refs["by_hand"].id, actor="staff:1", now=now + timedelta(minutes=2))
    # ... and refuses the eggs (an account problem): a person pays them by hand.
    fake_pay.fail_next("USER_ACCOUNT_ABNORMAL")
    [eggs] = payout.run_round(gateway, now + timedelta(minutes=3), retries)
    assert eggs.result == "manual"
    with unit_of_work() as session:
        ledger.mark_paid_offline(session, eggs.refund_id, actor="staff:2", amount="32.80",
                                 note="微信转账 4200009999", at=now + timedelta(hours=1))
        demo1 = customer_id(session, "demo-1")
        [compensation, *_] = coupons.customer_coupons(session, demo1, now)
        coupons.redeem(session, compensation.code, customer_id=demo1, order_no="MT-NEXT",
                       actor="bot", at=now + timedelta(hours=2))
        balance.debit(session, demo1, Decimal("10.00"), actor="bot", note="订单 MT-NEXT",
                      at=now + timedelta(hours=2))
    # The day (and the next, should the script run past local midnight).
    return make_period(now.astimezone(CHINA).date(),
                       (now + timedelta(hours=3)).astimezone(CHINA).date(), CHINA), refs


def report_of(period):
    with unit_of_work() as session:
        return reconcile(session, period.start, period.end, title="对账")


def test_a_day_of_cases_adds_up_and_the_ledgers_balance(day):
    period, refs = day

    report = report_of(period)

    assert report.balanced, report.text()
    refunds, coupon_section, balances, losses = report.sections
    assert losses.title == "损失" and not losses.problems
    assert refunds.lines[:4] == [
        "申请的退款（按去向和状态）：",
        "  原路退回（微信）：已退款 2 笔 ¥40.76",
        "  退到账户余额：已退款 1 笔 ¥29.90",
        "  换成等额优惠券：已退款 1 笔 ¥24.95",
    ]
    assert "  合计：4 笔 ¥95.61" in refunds.lines
    assert "目前仍欠顾客：0 笔 ¥0.00（其中待人工退款 0 笔）" in refunds.lines
    # Three quality problems earned the ¥3 coupon; one was used that day.
    assert coupon_section.lines[0] == "发放：补偿券 3 笔 ¥9.00；退款券 1 笔 ¥24.95"
    assert coupon_section.lines[1] == "已使用：补偿券 1 笔 ¥3.00"
    assert balances.lines[:3] == ["退款入账：1 笔 ¥29.90", "下单抵扣：1 笔 ¥-10.00",
                                  "期间净变动：¥19.90（入账 ¥29.90）"]
    assert "顾客余额合计（现在）：¥19.90，1 位顾客有余额" in balances.lines
    assert report.text().endswith("结论：账目平衡")


def test_the_day_before_has_nothing_but_the_checks_still_run(day):
    period, _ = day
    before = make_period(period.first - timedelta(days=1), period.first - timedelta(days=1),
                         CHINA)

    report = report_of(before)

    assert report.balanced
    assert "  退到账户余额：无" in report.sections[0].lines
    assert report.sections[1].lines[0] == "发放：无"


def test_tampered_ledgers_are_named(day):
    period, refs = day
    with unit_of_work() as session:
        session.execute(update(CustomerBalance).values(
            balance_cents=CustomerBalance.balance_cents + 1))
        session.execute(update(Refund).where(Refund.case_id == refs["wechat"].id)
                        .values(gateway_answer=None))
        prawns = session.scalar(select(Refund.order_line_id)
                                .where(Refund.case_id == refs["coupon"].id))
        session.execute(update(OrderLineRefundTotal)
                        .where(OrderLineRefundTotal.order_line_id == prawns)
                        .values(refunded_cents=1))

    report = report_of(period)

    assert not report.balanced
    problems = "\n".join(report.problems)
    assert "余额 ¥19.91 与流水合计 ¥19.90 不符" in problems
    assert f"退款 {refs['wechat'].ref}-1：原路退款已退款，却没有微信支付的应答" in problems
    assert "退款合计 ¥0.01 与退款明细 ¥24.95 不符" in problems
    assert report.text().endswith("结论：账目不平，共 4 处问题")  # balance: two views of one fault


def test_make_reconcile_prints_the_report_and_fails_when_unbalanced(day, capsys):
    period, _ = day
    args = ["reconcile", "--from", str(period.first), "--to", str(period.last)]

    assert main(args) == 0
    assert "结论：账目平衡" in capsys.readouterr().out
    with unit_of_work() as session:
        session.execute(update(CustomerBalance).values(balance_cents=0))
    assert main(args) == 1
    assert "结论：账目不平" in capsys.readouterr().out
    assert main(["reconcile", "--from", "2026-11-30", "--to", "2026-11-01"]) == 2
    assert "not a date range" in capsys.readouterr().err


def test_more_sections_can_be_added(day):
    period, _ = day

    def deductions(session, start, end) -> Section:
        return Section("供应商扣款", ["供应商：¥0.00"], ["扣款账不平"])

    with unit_of_work() as session:
        report = reconcile(session, period.start, period.end, title="对账",
                           sections=[*SECTIONS, deductions])
    assert [s.title for s in report.sections] == ["退款", "优惠券", "账户余额", "损失",
                                                  "供应商扣款"]
    assert report.problems == ["[供应商扣款] 扣款账不平"]
