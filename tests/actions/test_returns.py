"""action_start_return and action_submit_return."""
from __future__ import annotations

from decimal import Decimal

from actions.returns import ActionStartReturn, ActionSubmitReturn
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason, Review
from tests.actions.lookups import cases_of, line_id
from tests.actions.trackers import responses, run, slot_values, tracker


async def test_a_known_customer_can_start_and_the_problem_is_remembered(app_db):
    messages, events = await run(ActionStartReturn(), tracker("demo-1", "草莓烂了", "report_spoiled"))

    slots = slot_values(events)
    assert slots["return_ready"] is True
    assert slots["problem_reason"] == "spoiled"
    assert slots["problem_description"] == "草莓烂了"
    assert responses(messages) == ["utter_start_return_quality"]


async def test_a_vague_request_starts_without_a_reason(app_db):
    _, events = await run(ActionStartReturn(),
                          tracker("demo-1", "我要退货", "request_return", {"problem_reason": "spoiled"}))

    assert slot_values(events)["problem_reason"] is None


async def test_an_unknown_sender_is_told_and_no_return_starts(app_db):
    messages, events = await run(ActionStartReturn(), tracker("who-is-this", "鸡蛋碎了", "report_damaged"))

    assert slot_values(events) == {"return_ready": False}
    assert responses(messages) == ["utter_unknown_customer"]


def _claim(sender: str, product: str, reason: Reason, **slots) -> dict:
    return {"order_line_id": float(line_id(sender, product)), "problem_reason": reason.value,
            **slots}


async def test_submitting_an_eligible_claim_opens_one_case_and_says_its_reference(app_db):
    slots = _claim("demo-1", "丹东草莓", Reason.MISSING, quantity="1", resolution="refund_original")

    messages, events = await run(ActionSubmitReturn(), tracker("demo-1", "1", "inform", slots))

    [case] = cases_of("demo-1")
    assert case.state is CaseState.LEADER_REVIEW
    assert case.quantity_affected == Decimal("1")
    assert messages[0]["response"] == "utter_case_opened_leader"
    assert messages[0]["ref"] == case.ref and case.ref.startswith("R")
    assert "24小时" in messages[0]["explanation"]
    assert slot_values(events)["order_line_id"] is None, "the form is cleared for the next return"
    assert slot_values(events)["case_ref"] == case.ref, "a person taking over sees the case"

    again, _ = await run(ActionSubmitReturn(), tracker("demo-1", "1", "inform", slots))

    assert responses(again) == ["utter_case_exists"] and again[0]["ref"] == case.ref
    assert len(cases_of("demo-1")) == 1


async def test_a_claim_outside_the_window_is_refused_with_the_rule_and_no_case(app_db):
    slots = _claim("demo-2", "丹东草莓", Reason.SPOILED)

    messages, _ = await run(ActionSubmitReturn(), tracker("demo-2", "1", "inform", slots))

    assert responses(messages) == ["utter_claim_refused"]
    assert "24小时" in messages[0]["explanation"] and "3天" in messages[0]["explanation"]
    assert cases_of("demo-2") == []


async def test_cancelling_before_pickup_refunds_in_full_automatically(app_db):
    slots = _claim("demo-3", "寿光西红柿", Reason.NO_REASON, resolution="refund_balance")

    messages, _ = await run(ActionSubmitReturn(), tracker("demo-3", "2", "inform", slots))

    [case] = cases_of("demo-3")
    # A store-balance refund is paid the moment it is approved, and said so.
    assert case.state is CaseState.REFUNDED
    assert messages[0]["response"] == "utter_case_opened_auto"
    assert messages[0]["method"] == "已退到您的账户余额"


async def test_submit_without_line_or_reason_answers_politely(app_db):
    messages, _ = await run(ActionSubmitReturn(), tracker("demo-1", "好", "affirm"))

    assert responses(messages) == ["utter_default"]
    assert cases_of("demo-1") == []


async def test_a_customer_without_recent_orders_is_told_so(app_db):
    from bot.db import ChannelIdentity, Customer

    with unit_of_work() as session:
        customer = Customer(name="新客户", phone="13900000000", pickup_point_id=1)
        session.add(customer)
        session.flush()
        session.add(ChannelIdentity(channel="rest", external_id="newcomer", customer_id=customer.id))

    messages, events = await run(ActionStartReturn(), tracker("newcomer", "鸡蛋碎了", "report_damaged"))

    assert slot_values(events) == {"return_ready": False}
    assert responses(messages) == ["utter_no_orders"] and messages[0]["days"] == 14


async def test_a_case_sent_to_manual_review_raises_the_handoff_signal(app_db):
    slots = _claim("demo-5", "丹东蓝莓", Reason.MISSING, quantity="1", resolution="refund_original")

    messages, events = await run(ActionSubmitReturn(), tracker("demo-5", "1", "inform", slots))

    [case] = [c for c in cases_of("demo-5") if c.state is CaseState.SUBMITTED]
    assert case.review is Review.PLATFORM, "frequent returns send it to the platform"
    assert messages[0]["response"] == "utter_case_opened_platform"
    assert slot_values(events)["handoff_signal"] == "manual_review"
    assert slot_values(events)["case_ref"] == case.ref
