"""Multi-line answers built from data: a case's timeline, order progress, the rules."""
from __future__ import annotations

from datetime import datetime

from bot import messages
from bot.answers import plain_number
from bot.cases import CaseView
from bot.enums import CaseState, OrderStage, Review
from bot.orders import LineView
from bot.timefmt import ago, local_time


def _event_text(event) -> str:
    if event.kind == "state" and event.to_state is not None:
        return messages.CASE_STATE[event.to_state]
    return messages.EVENT_KIND.get(event.kind, event.kind)


def case_report(case: CaseView) -> str:
    """Header, state and timeline of one case."""
    lines = [
        f"售后单 {case.ref} · {case.product_name} · {messages.REASON[case.reason]}",
        f"当前状态：{messages.CASE_STATE[case.state]}"
        + (f"（退款{messages.money(case.refund_amount)}）" if case.refund_amount else ""),
    ]
    lines += [f"· {local_time(e.at)} {_event_text(e)}" for e in case.events]
    return "\n".join(lines)


def next_step(case: CaseView) -> str:
    """What happens next, with the review deadline where there is one."""
    # A leader's check the platform took over is the platform's to finish.
    state = CaseState.SUBMITTED if case.review is Review.PLATFORM and case.state in (
        CaseState.SUBMITTED, CaseState.LEADER_REVIEW) else case.state
    template = messages.NEXT_STEP.get(state, "")
    due = local_time(case.review_due_at) if case.review_due_at else "尽快"
    return template.format(due=due)


def line_progress(line: LineView, now: datetime) -> str:
    """Where one order line is, with pickup point and code once it has arrived."""
    head = f"{line.product_name} {plain_number(line.quantity)}{line.unit}："
    if line.stage is OrderStage.PICKED_UP and line.picked_up_at:
        return head + f"已取货（{ago(line.picked_up_at, now)}）"
    text = head + messages.STAGE[line.stage]
    if line.stage is OrderStage.ARRIVED:
        text += (f"\n  {line.pickup_point}（{line.pickup_address}，营业{line.opening_hours}），"
                 f"取货码 {line.pickup_code}")
    return text


def order_report(lines: list[LineView], now: datetime) -> str:
    """Progress of several lines, grouped under their order numbers."""
    out: list[str] = []
    current = None
    for line in lines:
        if line.order_no != current:
            current = line.order_no
            out.append(f"订单 {line.order_no}（{local_time(line.placed_at)}下单）")
        out.append("· " + line_progress(line, now))
    return "\n".join(out)
