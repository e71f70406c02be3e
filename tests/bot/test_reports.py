"""Multi-line answers customers read: a case's timeline and where their orders are (bot/reports.py)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.cases import CaseView, ClaimDraft, EventView, open_case
from bot.customers import identify
from bot.db import Order, OrderLine
from bot.db.session import unit_of_work
from bot.enums import CaseState, Category, OrderStage, Reason, Resolution, Review
from bot.orders import LineView, recent_lines
from bot.policy import load_policy
from bot.reports import case_report, line_progress, next_step, order_report

S = CaseState
UTC = timezone.utc
CREATED = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)  # 11-22 07:30 in China


def event(at: datetime, kind: str, to_state: CaseState | None = None, from_state=None,
          actor: str = "bot") -> EventView:
    return EventView(at, actor, kind, from_state, to_state, None)


def case_view(**changes) -> CaseView:
    fields = dict(
        id=24, ref="R1024", state=S.REFUND_PENDING, reason=Reason.SPOILED, product_name="丹东草莓",
        quantity_affected=Decimal("1"), unit="盒", resolution=Resolution.REFUND_ORIGINAL,
        review=Review.AUTO, rule_id="fresh.quality_window", decision_text="…",
        refund_amount=Decimal("29.90"), compensation=Decimal("3"), review_due_at=None, priority=1,
        urge_count=1, escalated=False, created_at=CREATED,
        events=(
            event(CREATED, "created", S.SUBMITTED, actor="customer:1"),
            event(CREATED, "state", S.APPROVED, S.SUBMITTED),
            event(CREATED + timedelta(seconds=1), "state", S.REFUND_PENDING, S.APPROVED),
            event(datetime(2026, 11, 22, 1, 5, tzinfo=UTC), "urged", actor="customer:1"),
        ),
    )
    fields.update(changes)
    return CaseView(**fields)


def test_case_report_header_and_state() -> None:
    lines = case_report(case_view()).splitlines()
    assert lines[0] == "售后单 R1024 · 丹东草莓 · 变质/不新鲜"
    assert lines[1] == "当前状态：退款处理中（退款¥29.90）"


def test_case_report_lists_every_event_in_china_time() -> None:
    assert case_report(case_view()).splitlines()[2:] == [
        "· 11-22 07:30 提交申请",
        "· 11-22 07:30 已同意",
        "· 11-22 07:30 退款处理中",
        "· 11-22 09:05 您催促了一次",
    ]


def test_case_report_without_money_does_not_mention_a_refund() -> None:
    report = case_report(case_view(state=S.CANCELLED, refund_amount=Decimal("0")))
    assert report.splitlines()[1] == "当前状态：已撤销"


@pytest.mark.parametrize(
    ("reason", "shown"),
    [(Reason.DAMAGED, "破损"), (Reason.WRONG_ITEM, "发错货"), (Reason.MISSING, "少发/漏发"),
     (Reason.NO_REASON, "不想要了")],
)
def test_case_report_names_the_reason(reason: Reason, shown: str) -> None:
    assert case_report(case_view(reason=reason)).splitlines()[0].endswith(shown)


def test_next_step_gives_the_review_deadline_in_china_time() -> None:
    view = case_view(state=S.LEADER_REVIEW, review_due_at=CREATED + timedelta(hours=4))
    assert next_step(view) == "团长会在11-22 11:30前核实，有结果马上通知您。"


def test_next_step_for_a_refund_on_its_way() -> None:
    assert "到账后会通知您" in next_step(case_view())


def test_report_of_a_case_just_opened(app_db) -> None:
    now = app_db.seeded_at
    with unit_of_work() as session:
        customer = identify(session, "rest", "demo-1").id
        line = next(l for l in recent_lines(session, customer, now) if l.product_name == "丹东草莓")
        case = open_case(session, ClaimDraft(customer, line.line_id, Reason.MISSING, Decimal("1")),
                         now, load_policy(), "customer:demo-1").case
    report = case_report(case)
    china = (now + timedelta(hours=8)).strftime("%m-%d %H:%M")
    assert report.splitlines() == [
        f"售后单 {case.ref} · 丹东草莓 · 少发/漏发",
        "当前状态：等待团长核实（退款¥29.90）",
        f"· {china} 提交申请",
        f"· {china} 等待团长核实",
    ]


# ---------------------------------------------------------------- order progress


def line_view(**changes) -> LineView:
    fields = dict(
        line_id=1, order_no="SQ20261121-0001", customer_id=1, product_id=1, product_name="寿光西红柿",
        product_names=("寿光西红柿", "西红柿"), category=Category.FRESH, unit="斤",
        quantity=Decimal("1.50"), unit_price=Decimal("3.98"), stage=OrderStage.DEPARTED,
        placed_at=datetime(2026, 11, 20, 16, 0, tzinfo=UTC), arrived_at=None, picked_up_at=None,
        pickup_code="482913", pickup_point="阳光花园自提点", pickup_address="阳光花园小区3号楼底商",
        opening_hours="07:30-21:30",
    )
    fields.update(changes)
    return LineView(**fields)


NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stage", "said"),
    [(OrderStage.PAID, "已下单，等待仓库备货"), (OrderStage.PACKED, "仓库已打包，等待发车"),
     (OrderStage.DEPARTED, "已发车，正在送往自提点")],
)
def test_before_arrival_no_pickup_code_is_given(stage: OrderStage, said: str) -> None:
    text = line_progress(line_view(stage=stage), NOW)
    assert text == f"寿光西红柿 1.5斤：{said}"
    assert "482913" not in text


def test_arrived_line_says_where_when_and_the_code() -> None:
    text = line_progress(line_view(stage=OrderStage.ARRIVED, arrived_at=NOW - timedelta(hours=2)), NOW)
    assert text == ("寿光西红柿 1.5斤：已到自提点，可以取货了\n"
                    "  阳光花园自提点（阳光花园小区3号楼底商，营业07:30-21:30），取货码 482913")


@pytest.mark.parametrize(
    ("ago", "said"),
    [(timedelta(seconds=20), "刚刚"), (timedelta(minutes=25), "25分钟前"), (timedelta(hours=3), "3小时前"),
     (timedelta(days=3), "3天前")],
)
def test_picked_up_line_says_how_long_ago(ago: timedelta, said: str) -> None:
    view = line_view(stage=OrderStage.PICKED_UP, arrived_at=NOW - ago - timedelta(hours=3),
                     picked_up_at=NOW - ago, quantity=Decimal("2.00"))
    assert line_progress(view, NOW) == f"寿光西红柿 2斤：已取货（{said}）"


def test_demo_1_strawberries_were_picked_up_an_hour_ago(app_db) -> None:
    now = app_db.seeded_at + timedelta(minutes=5)
    with unit_of_work() as session:
        customer = identify(session, "rest", "demo-1").id
        line = next(l for l in recent_lines(session, customer, now) if l.product_name == "丹东草莓")
    assert line_progress(line, now) == "丹东草莓 2盒：已取货（1小时前）"


def test_order_report_groups_lines_under_their_order() -> None:
    first = line_view()
    second = replace(first, line_id=2, product_name="土鸡蛋", unit="盒", quantity=Decimal("1"))
    other = replace(first, line_id=3, order_no="SQ20261121-0002", product_name="全麦吐司", unit="袋",
                    quantity=Decimal("1"), placed_at=datetime(2026, 11, 21, 1, 0, tzinfo=UTC))
    assert order_report([first, second, other], NOW).splitlines() == [
        "订单 SQ20261121-0001（11-21 00:00下单）",
        "· 寿光西红柿 1.5斤：已发车，正在送往自提点",
        "· 土鸡蛋 1盒：已发车，正在送往自提点",
        "订单 SQ20261121-0002（11-21 09:00下单）",
        "· 全麦吐司 1袋：已发车，正在送往自提点",
    ]


def test_demo_3_order_report_tells_where_to_pick_up(app_db) -> None:
    now = app_db.seeded_at
    with unit_of_work() as session:
        customer = identify(session, "rest", "demo-3").id
        lines = recent_lines(session, customer, now)
        arrived = session.scalars(
            select(Order).join(OrderLine)
            .where(Order.customer_id == customer, OrderLine.stage == OrderStage.ARRIVED)
        ).unique().one()
        code, order_no = arrived.pickup_code, arrived.order_no
    report = order_report(lines, now)
    assert "幸福里社区自提点" in report and "营业08:00-22:00" in report
    assert f"取货码 {code}" in report
    assert f"订单 {order_no}（" in report
    assert "寿光西红柿 2斤：已到自提点，可以取货了" in report
    assert "丹东蓝莓 2盒：已发车，正在送往自提点" in report
    assert "压榨花生油 1桶：已下单，等待仓库备货" in report
    # the code is given once per arrived line, never for goods still on their way
    assert report.count(f"取货码 {code}") == 2
    assert report.count("取货码") == 2


def test_a_leader_check_taken_over_by_the_platform_promises_the_platform():
    case = CaseView(
        id=1, ref="R1001", state=CaseState.LEADER_REVIEW, reason=Reason.MISSING,
        product_name="丹东草莓", quantity_affected=1, unit="盒", resolution=None,
        review=Review.PLATFORM, rule_id="r", decision_text="", refund_amount=0, compensation=0,
        review_due_at=datetime(2026, 11, 22, 4, 0, tzinfo=timezone.utc), priority=0,
        urge_count=0, escalated=False, created_at=datetime(2026, 11, 22, tzinfo=timezone.utc),
        events=(),
    )

    assert next_step(case).startswith("平台同事会在")
    assert next_step(replace(case, review=Review.LEADER)).startswith("团长会在")
