"""The summary an agent reads first, and the ticket it goes on."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.customers import identify
from bot.db import OrderLine, ReturnCase
from bot.db.session import unit_of_work
from bot.evidence import store_photo
from bot.handoff import tickets
from bot.handoff.priority import priority
from bot.handoff.summary import KEEP_TURNS, HandoffRequest, build_ticket
from bot.policy import Policy, load_policy
from tests.actions.lookups import line_id
from tests.bot.handoff.desk import load
from tests.images import png_bytes

DEMO_1_PHONE = "13816624571"


@pytest.fixture
def policy() -> Policy:
    return load_policy()


def customer_id(external_id: str) -> int:
    with unit_of_work() as session:
        return identify(session, "rest", external_id).id


def build(request: HandoffRequest, now, policy: Policy):
    """Builds and opens the ticket as the bot does; returns it as stored."""
    with unit_of_work() as session:
        ticket, created = tickets.open_ticket(session, build_ticket(session, request, now, policy),
                                              now)
        assert created
    return load(ticket.id)


def strawberries(**changes) -> HandoffRequest:
    """demo-1 asks for a person about the strawberries that went bad."""
    fields = dict(
        conversation_id="demo-1", reason="human_requested", channel="rest",
        customer_id=customer_id("demo-1"), order_line_id=line_id("demo-1", "丹东草莓"),
        problem_reason="spoiled", problem_description="草莓发霉了", anger=0.4,
    )
    fields.update(changes)
    return HandoffRequest(**fields)


def test_the_agent_sees_who_what_and_what_the_rules_say(app_db, now, policy) -> None:
    ticket = build(strawberries(), now, policy)
    summary = ticket.summary
    assert summary["reason"] == "human_requested"
    assert {k: summary["customer"][k] for k in ("name", "nickname", "phone_tail")} == {
        "name": "王小美", "nickname": "小美", "phone_tail": "4571"}
    assert summary["customer"]["pickup_point"] == "阳光花园自提点"
    assert {k: summary["order_line"][k] for k in ("product", "quantity", "unit", "amount",
                                                  "stage")} == {
        "product": "丹东草莓", "quantity": "2", "unit": "盒", "amount": "59.80",
        "stage": "picked_up"}
    assert summary["order_line"]["order_no"].startswith("SQ")
    assert summary["problem"]["reason"] == "spoiled"
    assert summary["problem"]["description"] == "草莓发霉了"
    assert summary["problem"]["label"]
    decision = summary["decision"]
    assert decision["eligible"] is True
    assert decision["text"]
    assert Decimal(decision["refund_amount"]) > 0
    assert summary["case"] is None
    assert summary["anger"] == 0.4


def test_the_ticket_carries_the_customer_line_and_value(app_db, now, policy) -> None:
    ticket = build(strawberries(), now, policy)
    assert (ticket.customer_id, ticket.order_line_id, ticket.case_id) == (
        customer_id("demo-1"), line_id("demo-1", "丹东草莓"), None)
    assert (ticket.reason, ticket.channel, ticket.anger) == ("human_requested", "rest", 0.4)
    assert ticket.order_value == Decimal("59.80")


def test_priority_counts_the_orders_value(app_db, now, policy) -> None:
    ticket = build(strawberries(), now, policy)
    assert ticket.priority == priority("human_requested", 0.4, Decimal("59.80"))
    assert ticket.priority > priority("human_requested", 0.4, None)


def test_the_full_phone_number_never_reaches_the_desk(app_db, now, policy) -> None:
    ticket = build(strawberries(), now, policy)
    assert DEMO_1_PHONE not in json.dumps(ticket.summary, ensure_ascii=False)
    assert ticket.summary["customer"]["phone_tail"] == DEMO_1_PHONE[-4:]


def test_photos_the_customer_sent_are_listed(app_db, now, policy) -> None:
    with unit_of_work() as session:
        photo = store_photo(session, png_bytes(), customer_id=customer_id("demo-1"),
                            evidence_dir=app_db.data_dir / "evidence").id
    ticket = build(strawberries(evidence_ids=(photo,)), now, policy)
    assert ticket.summary["photos"] == [photo]
    assert ticket.summary["decision"]["eligible"] is True


def test_only_the_last_turns_of_the_conversation_are_kept(app_db, now, policy) -> None:
    said = tuple(f"第{i}句" for i in range(1, 11))
    ticket = build(strawberries(bot_said=said, customer_said=said[:3]), now, policy)
    assert ticket.summary["bot_said"] == list(said[-KEEP_TURNS:])
    assert ticket.summary["customer_said"] == ["第1句", "第2句", "第3句"]


def test_a_quantity_of_ten_reads_as_ten(app_db, now, policy) -> None:
    strawberry_line = line_id("demo-1", "丹东草莓")
    with unit_of_work() as session:
        session.get(OrderLine, strawberry_line).quantity = Decimal("10")
    ticket = build(strawberries(), now, policy)
    assert (ticket.summary["order_line"]["quantity"], ticket.summary["order_line"]["amount"]) == (
        "10", "299.00")


def test_a_half_quantity_keeps_its_fraction(app_db, now, policy) -> None:
    strawberry_line = line_id("demo-1", "丹东草莓")
    with unit_of_work() as session:
        session.get(OrderLine, strawberry_line).quantity = Decimal("2.5")
    ticket = build(strawberries(), now, policy)
    assert ticket.summary["order_line"]["quantity"] == "2.5"


def test_a_customer_who_never_said_what_went_wrong_gets_no_decision(app_db, now, policy) -> None:
    ticket = build(strawberries(problem_reason=None, problem_description=None), now, policy)
    assert ticket.summary["problem"] is None
    assert ticket.summary["decision"] is None
    assert ticket.summary["order_line"]["product"] == "丹东草莓"


def test_an_unknown_reason_is_ignored(app_db, now, policy) -> None:
    ticket = build(strawberries(problem_reason="bogus"), now, policy)
    assert (ticket.summary["problem"], ticket.summary["decision"]) == (None, None)


def test_an_unidentified_customer_still_gets_a_person(app_db, now, policy) -> None:
    request = HandoffRequest(conversation_id="stranger-9", reason="not_understood",
                             channel="rest", customer_said=("人工",))
    ticket = build(request, now, policy)
    assert (ticket.customer_id, ticket.order_line_id, ticket.case_id, ticket.order_value) == (
        None, None, None, None)
    summary = ticket.summary
    assert (summary["customer"], summary["order_line"], summary["decision"], summary["case"]) == (
        None, None, None, None)
    assert summary["customer_said"] == ["人工"]
    assert ticket.priority == priority("not_understood", 0.0, None)


def test_an_unidentified_customer_cannot_see_someone_elses_order(app_db, now, policy) -> None:
    request = strawberries(conversation_id="stranger-9", customer_id=None, case_ref="R0901")
    ticket = build(request, now, policy)
    assert (ticket.customer_id, ticket.order_line_id, ticket.case_id, ticket.order_value) == (
        None, None, None, None)
    summary = ticket.summary
    assert (summary["customer"], summary["order_line"], summary["decision"], summary["case"]) == (
        None, None, None, None)
    assert "丹东草莓" not in json.dumps(summary, ensure_ascii=False)


def test_a_customer_id_that_does_not_exist_is_treated_as_unknown(app_db, now, policy) -> None:
    ticket = build(strawberries(customer_id=999999), now, policy)
    assert (ticket.customer_id, ticket.summary["customer"], ticket.summary["order_line"],
            ticket.summary["decision"]) == (None, None, None, None)


def test_another_customers_order_line_is_not_shown(app_db, now, policy) -> None:
    theirs = line_id("demo-2", "丹东草莓")
    ticket = build(strawberries(order_line_id=theirs), now, policy)
    assert (ticket.order_line_id, ticket.order_value) == (None, None)
    assert (ticket.summary["order_line"], ticket.summary["decision"]) == (None, None)
    assert ticket.summary["customer"]["name"] == "王小美"


def test_another_customers_case_is_not_shown(app_db, now, policy) -> None:
    ticket = build(strawberries(case_ref="R0901"), now, policy)
    assert ticket.case_id is None
    assert ticket.summary["case"] is None
    assert "R0901" not in json.dumps(ticket.summary, ensure_ascii=False)
    assert ticket.summary["order_line"]["product"] == "丹东草莓"


def test_the_customers_own_case_is_shown_with_its_order_line(app_db, now, policy) -> None:
    request = HandoffRequest(conversation_id="demo-5", reason="overdue_case", channel="rest",
                             customer_id=customer_id("demo-5"), case_ref="R0901")
    ticket = build(request, now, policy)
    with unit_of_work() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == "R0901")).one()
    assert (ticket.case_id, ticket.order_line_id) == (case.id, case.order_line_id)
    summary = ticket.summary
    assert (summary["case"]["ref"], summary["case"]["state"], summary["case"]["refund_amount"]) \
        == ("R0901", "closed", "29.90")
    assert summary["case"]["decision_text"] == case.decision_text
    assert summary["order_line"]["product"] == "丹东草莓"
    assert summary["problem"]["reason"] == "spoiled"
    assert summary["customer"]["name"] == "赵磊"
    assert ticket.order_value == Decimal("59.80")


def test_the_latest_case_on_the_line_is_shown_without_a_reference(app_db, now, policy) -> None:
    apples = line_id("demo-5", "烟台红富士")
    request = HandoffRequest(conversation_id="demo-5", reason="human_requested",
                             customer_id=customer_id("demo-5"), order_line_id=apples)
    ticket = build(request, now, policy)
    assert ticket.summary["case"]["ref"] == "R0902"
    assert ticket.summary["problem"]["reason"] == "damaged"


def test_building_a_ticket_does_not_store_it(app_db, now, policy) -> None:
    with unit_of_work() as session:
        build_ticket(session, strawberries(), now, policy)
    with unit_of_work() as session:
        assert tickets.open_ticket_for(session, "demo-1") is None
