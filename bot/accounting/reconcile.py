"""The reconciliation report (``make reconcile FROM=2026-11-01 TO=2026-11-30``): what
went back to customers in a date range, and whether the ledgers balance.

The report is a list of sections (``SECTIONS``). A section is any function
``(session, start, end) -> section`` where the section has a ``title``, printed ``lines``
and ``problems`` (failed checks; empty when its ledger balances) — e.g. ``Section`` here,
or ``bot.accounting.loss_report.LossesSection``. To report something more, append its function
to ``SECTIONS`` (or pass ``sections=`` to ``reconcile``).

The figures cover the range ``[start, end)``; the checks cover the whole ledger, since a
ledger out of balance is wrong whatever the dates:

* refunds: each order line's refunds add up to its ``order_line_refund_totals`` row and
  stay within what was paid; a paid refund has its payment: WeChat Pay's answer (or a
  person's recorded manual payout) for the original payment, one balance entry of the
  same amount for the store balance, a coupon of the same amount for a coupon;
* coupons: at most one compensation coupon per case; a redeemed coupon has its date;
* store balance: each customer's balance equals the sum of their entries, the last
  entry's running balance agrees, and no balance is negative.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import messages
from bot.accounting.loss_report import losses_section
from bot.db import (
    BalanceEntry,
    Coupon,
    CustomerBalance,
    OrderLine,
    OrderLineRefundTotal,
    Refund,
    RefundState,
)
from bot.enums import Resolution
from bot.refunds.money import ZERO, cents, paid_for, yuan

S = RefundState
STATE_LABEL = {S.PENDING.value: "待处理", S.SENDING.value: "发送中", S.FAILED.value: "待重试",
               S.MANUAL.value: "待人工退款", S.SUCCEEDED.value: "已退款",
               S.CANCELLED.value: "已取消"}
COUPON_KIND_LABEL = {"compensation": "补偿券", "goodwill": "客服赠券", "refund": "退款券"}
ENTRY_KIND_LABEL = {"refund": "退款入账", "spend": "下单抵扣", "adjustment": "调整"}


class SectionLike(Protocol):
    title: str
    lines: list[str]
    problems: list[str]


@dataclass
class Section:
    """One part of the report: printed lines and failed checks."""

    title: str
    lines: list[str]
    problems: list[str] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        return not self.problems


SectionFunction = Callable[[Session, datetime, datetime], SectionLike]


def _money(value: Decimal) -> str:
    return messages.money(value)


def _count_amount(count: int, amount: Decimal) -> str:
    return f"{count} 笔 {_money(amount)}"


# ---------------------------------------------------------------- refunds


def _refund_checks(session: Session) -> list[str]:
    problems = []
    live = defaultdict(int)
    for line_id, amount in session.execute(
            select(Refund.order_line_id, Refund.amount)
            .where(Refund.state != S.CANCELLED.value)):
        live[line_id] += cents(amount)
    totals = {row.order_line_id: row for row in session.scalars(select(OrderLineRefundTotal))}
    for line_id in sorted(set(live) | set(totals)):
        row = totals.get(line_id)
        refunded = live.get(line_id, 0)
        if row is None:
            problems.append(f"订单行 {line_id}：有退款 {_money(yuan(refunded))} 却没有退款合计记录")
            continue
        if row.refunded_cents != refunded:
            problems.append(f"订单行 {line_id}：退款合计 {_money(yuan(row.refunded_cents))} "
                            f"与退款明细 {_money(yuan(refunded))} 不符")
        line = session.get(OrderLine, line_id)
        paid = cents(paid_for(line))
        if refunded > paid or row.refunded_cents > row.paid_cents or row.paid_cents != paid:
            problems.append(f"订单行 {line_id}：退款 {_money(yuan(refunded))} 超过实付 "
                            f"{_money(yuan(paid))}（或实付记录不符）")
    credits = {r: a for r, a in session.execute(
        select(BalanceEntry.refund_id, BalanceEntry.amount_cents)
        .where(BalanceEntry.refund_id.is_not(None)))}
    coupons = {c.id: c for c in session.scalars(
        select(Coupon).where(Coupon.id.in_(select(Refund.coupon_id)
                                           .where(Refund.coupon_id.is_not(None)))))}
    for refund in session.scalars(select(Refund).where(Refund.state == S.SUCCEEDED.value)
                                  .order_by(Refund.id)):
        key = refund.out_refund_no
        if refund.paid_at is None:
            problems.append(f"退款 {key}：已退款却没有退款时间")
        if refund.method is Resolution.REFUND_ORIGINAL:
            by_gateway = bool(refund.gateway_answer) and bool(refund.external_ref)
            by_hand = bool(refund.manual_note) and (refund.paid_by or "").startswith("staff:")
            if not (by_gateway or by_hand):
                problems.append(f"退款 {key}：原路退款已退款，却没有微信支付的应答或人工退款记录")
        elif refund.method is Resolution.REFUND_BALANCE:
            if credits.get(refund.id) != cents(refund.amount):
                problems.append(f"退款 {key}：退到余额 {_money(refund.amount)}，余额入账不符")
        elif refund.method is Resolution.COUPON:
            coupon = coupons.get(refund.coupon_id)
            if coupon is None or coupon.amount != refund.amount:
                problems.append(f"退款 {key}：退成优惠券 {_money(refund.amount)}，没有等额的券")
    return problems


def refunds_section(session: Session, start: datetime, end: datetime) -> Section:
    """Refunds requested in the range by destination and state, paid in the range by
    destination; the refund ledger's checks."""
    requested: dict[tuple[Resolution, str], list] = defaultdict(lambda: [0, ZERO])
    for method, state, amount in session.execute(
            select(Refund.method, Refund.state, Refund.amount)
            .where(Refund.created_at >= start, Refund.created_at < end)):
        requested[(method, state)][0] += 1
        requested[(method, state)][1] += amount
    paid: dict[Resolution, list] = defaultdict(lambda: [0, ZERO])
    for method, amount in session.execute(
            select(Refund.method, Refund.amount)
            .where(Refund.state == S.SUCCEEDED.value, Refund.paid_at >= start,
                   Refund.paid_at < end)):
        paid[method][0] += 1
        paid[method][1] += amount
    lines = ["申请的退款（按去向和状态）："]
    for method in (Resolution.REFUND_ORIGINAL, Resolution.REFUND_BALANCE, Resolution.COUPON):
        states = [(state, figures) for (m, state), figures in sorted(
            requested.items(), key=lambda item: list(STATE_LABEL).index(item[0][1])
            if item[0][1] in STATE_LABEL else 99) if m is method]
        if not states:
            lines.append(f"  {messages.RESOLUTION[method]}：无")
            continue
        parts = "；".join(f"{STATE_LABEL.get(state, state)} {_count_amount(n, amount)}"
                         for state, (n, amount) in states)
        lines.append(f"  {messages.RESOLUTION[method]}：{parts}")
    total_requested = sum((amount for _, amount in requested.values()), ZERO)
    lines.append(f"  合计：{_count_amount(sum(n for n, _ in requested.values()), total_requested)}")
    lines.append("已退出的钱（按去向，按退款时间）：")
    for method in (Resolution.REFUND_ORIGINAL, Resolution.REFUND_BALANCE, Resolution.COUPON):
        n, amount = paid.get(method, (0, ZERO))
        lines.append(f"  {messages.RESOLUTION[method]}：{_count_amount(n, amount)}")
    outstanding = session.execute(
        select(func.count(Refund.id), func.coalesce(func.sum(Refund.amount), 0))
        .where(Refund.state.in_((S.PENDING.value, S.SENDING.value, S.FAILED.value,
                                 S.MANUAL.value)))).one()
    manual = session.scalar(select(func.count(Refund.id)).where(Refund.state == S.MANUAL.value))
    lines.append(f"目前仍欠顾客：{_count_amount(outstanding[0], Decimal(str(outstanding[1])))}"
                 f"（其中待人工退款 {manual} 笔）")
    return Section("退款", lines, _refund_checks(session), {
        "requested": {f"{m.value}:{s}": (n, a) for (m, s), (n, a) in requested.items()},
        "paid": {m.value: (n, a) for m, (n, a) in paid.items()},
    })


# ---------------------------------------------------------------- coupons


def coupons_section(session: Session, start: datetime, end: datetime) -> Section:
    """Coupons issued, redeemed, revoked and expired unused in the range, by kind."""
    def by_kind(*where) -> dict[str, list]:
        figures: dict[str, list] = defaultdict(lambda: [0, ZERO])
        for kind, amount in session.execute(select(Coupon.kind, Coupon.amount).where(*where)):
            figures[kind][0] += 1
            figures[kind][1] += amount
        return figures

    rows = {
        "发放": by_kind(Coupon.created_at >= start, Coupon.created_at < end),
        "已使用": by_kind(Coupon.redeemed_at >= start, Coupon.redeemed_at < end),
        "过期未用": by_kind(Coupon.state == "issued", Coupon.expires_at >= start,
                        Coupon.expires_at < end),
    }
    lines = []
    for label, figures in rows.items():
        parts = "；".join(f"{COUPON_KIND_LABEL.get(kind, kind)} {_count_amount(n, amount)}"
                         for kind, (n, amount) in sorted(figures.items()))
        lines.append(f"{label}：{parts or '无'}")
    problems = [f"售后单 {case_id}：发了 {n} 张补偿券" for case_id, n in session.execute(
        select(Coupon.case_id, func.count(Coupon.id))
        .where(Coupon.kind == "compensation", Coupon.case_id.is_not(None))
        .group_by(Coupon.case_id).having(func.count(Coupon.id) > 1))]
    problems += [f"优惠券 {code}：已使用却没有使用时间" for code in session.scalars(
        select(Coupon.code).where(Coupon.state == "redeemed", Coupon.redeemed_at.is_(None)))]
    return Section("优惠券", lines, problems,
                   {label: dict(figures) for label, figures in rows.items()})


# ---------------------------------------------------------------- store balance


def balance_section(session: Session, start: datetime, end: datetime) -> Section:
    """Store-balance movements in the range by kind, balances held now; the balance
    ledger's checks."""
    moved: dict[str, list] = defaultdict(lambda: [0, 0])
    for kind, amount in session.execute(
            select(BalanceEntry.kind, BalanceEntry.amount_cents)
            .where(BalanceEntry.created_at >= start, BalanceEntry.created_at < end)):
        moved[kind][0] += 1
        moved[kind][1] += amount
    credits = sum(a for _, a in moved.values() if a > 0)
    lines = [f"{ENTRY_KIND_LABEL.get(kind, kind)}：{n} 笔 {_money(yuan(amount))}"
             for kind, (n, amount) in sorted(moved.items())] or ["余额变动：无"]
    lines.append(f"期间净变动：{_money(yuan(sum(a for _, a in moved.values())))}"
                 f"（入账 {_money(yuan(credits))}）")
    balances = {row.customer_id: row.balance_cents for row in session.scalars(
        select(CustomerBalance))}
    sums = dict(session.execute(select(BalanceEntry.customer_id,
                                       func.sum(BalanceEntry.amount_cents))
                                .group_by(BalanceEntry.customer_id)).all())
    latest = {}
    for entry in session.scalars(select(BalanceEntry).order_by(BalanceEntry.id)):
        latest[entry.customer_id] = entry.balance_after_cents
    lines.append(f"顾客余额合计（现在）：{_money(yuan(sum(balances.values())))}，"
                 f"{sum(1 for v in balances.values() if v)} 位顾客有余额")
    problems = []
    for customer_id in sorted(set(balances) | set(sums)):
        held, summed = balances.get(customer_id, 0), int(sums.get(customer_id) or 0)
        if held != summed:
            problems.append(f"顾客 {customer_id}：余额 {_money(yuan(held))} 与流水合计 "
                            f"{_money(yuan(summed))} 不符")
        if customer_id in latest and latest[customer_id] != held:
            problems.append(f"顾客 {customer_id}：最后一笔流水后的余额 "
                            f"{_money(yuan(latest[customer_id]))} 与余额 {_money(yuan(held))} 不符")
        if held < 0:
            problems.append(f"顾客 {customer_id}：余额为负 {_money(yuan(held))}")
    return Section("账户余额", lines, problems, {"moved": dict(moved),
                                                 "held": sum(balances.values())})


# ---------------------------------------------------------------- the report

# The report's sections, in order.
SECTIONS: list[SectionFunction] = [refunds_section, coupons_section, balance_section,
                                   losses_section]


@dataclass
class Report:
    title: str
    sections: list[SectionLike]

    @property
    def problems(self) -> list[str]:
        return [f"[{s.title}] {p}" for s in self.sections for p in s.problems]

    @property
    def balanced(self) -> bool:
        return not self.problems

    def text(self) -> str:
        out = [self.title, ""]
        for section in self.sections:
            out.append(f"== {section.title} ==")
            out += section.lines
            out.append("核对：" + ("平" if not section.problems else
                                 f"不平（{len(section.problems)} 处）"))
            out += [f"  ✗ {problem}" for problem in section.problems]
            out.append("")
        out.append("结论：账目平衡" if self.balanced
                   else f"结论：账目不平，共 {len(self.problems)} 处问题")
        return "\n".join(out)


def reconcile(session: Session, start: datetime, end: datetime, *, title: str,
              sections: Sequence[SectionFunction] | None = None) -> Report:
    """Runs every section over ``[start, end)`` in the caller's unit of work."""
    return Report(title, [section(session, start, end)
                          for section in (SECTIONS if sections is None else sections)])
