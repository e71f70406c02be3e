"""Who the desk should help first: the reason, anger and order value, then time waited."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.handoff.priority import priority, rank


def test_an_angry_customer_comes_before_one_who_asked_before_one_not_understood() -> None:
    angry = priority("angry", 0.0, None)
    asked = priority("human_requested", 0.0, None)
    lost = priority("not_understood", 0.0, None)
    assert angry > asked > lost


def test_every_escalation_reason_has_its_place() -> None:
    reasons = ["angry", "repeated_anger", "overdue_case", "human_requested", "manual_review",
               "not_understood"]
    scores = [priority(reason, 0.0, None) for reason in reasons]
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == len(scores)


def test_an_unknown_reason_is_treated_like_the_least_urgent() -> None:
    assert priority("something_new", 0.0, None) == priority("not_understood", 0.0, None)


def test_anger_raises_priority() -> None:
    calm = priority("human_requested", 0.0, None)
    upset = priority("human_requested", 0.5, None)
    furious = priority("human_requested", 1.0, None)
    assert calm < upset < furious


def test_anger_outside_zero_to_one_counts_as_the_nearest_end() -> None:
    assert priority("human_requested", 3.0, None) == priority("human_requested", 1.0, None)
    assert priority("human_requested", -2.0, None) == priority("human_requested", 0.0, None)


def test_a_dearer_order_raises_priority() -> None:
    none = priority("human_requested", 0.0, None)
    cheap = priority("human_requested", 0.0, Decimal("29.90"))
    dear = priority("human_requested", 0.0, Decimal("150.00"))
    assert none < cheap < dear
    assert priority("human_requested", 0.0, Decimal("0")) == none


def test_order_value_counts_only_up_to_a_cap() -> None:
    at_cap = priority("human_requested", 0.0, Decimal("200.00"))
    assert priority("human_requested", 0.0, Decimal("899.00")) == at_cap
    assert priority("human_requested", 0.0, Decimal("100000")) == at_cap
    # A dear order never outweighs the reason itself.
    assert priority("angry", 0.0, None) > priority("not_understood", 0.0, Decimal("100000"))


def test_anger_outweighs_a_modest_order() -> None:
    assert priority("human_requested", 0.9, Decimal("30")) > \
        priority("human_requested", 0.0, Decimal("150"))


def test_priority_is_a_whole_number() -> None:
    assert isinstance(priority("angry", 0.37, Decimal("59.80")), int)


@pytest.mark.parametrize(("minutes", "expected"), [(0, 30), (1, 31), (12.5, 42.5)])
def test_rank_adds_a_point_per_minute_waited(minutes, expected) -> None:
    assert rank(30, timedelta(minutes=minutes)) == pytest.approx(expected)


def test_a_clock_running_behind_does_not_push_a_ticket_back() -> None:
    assert rank(30, timedelta(minutes=-5)) == 30
