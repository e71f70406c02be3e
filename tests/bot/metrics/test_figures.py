"""Each dashboard figure over the hand-checked week of ``dataset.py``."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.enums import Category, Reason
from bot.metrics.cases import case_figures
from bot.metrics.conversations import conversation_figures
from bot.metrics.leaders import leader_handling
from bot.metrics.money import cost_figures
from bot.metrics.period import Period
from bot.metrics.resolution import resale_figures, resolution_figures
from bot.metrics.satisfaction import satisfaction_figures
from tests.bot.metrics.dataset import period

D10, D11, D12 = date(2025, 3, 10), date(2025, 3, 11), date(2025, 3, 12)
NAMES = {Category.FRESH: "生鲜商品", Category.STANDARD: "标品"}


def test_conversations_per_day_count_customers_only(session, week) -> None:
    """Leaders' sessions, sessions without a customer message and those outside the days
    do not count; 07:00 China time on the 11th is the 11th although it is the 10th in UTC."""
    figures = conversation_figures(session, period())
    assert {day: item.conversations for day, item in figures.daily.items()} == {
        D10: 2, D11: 1, D12: 1}
    assert figures.total.conversations == 4


def test_automatic_and_escalation_rates_split_the_conversations(session, week) -> None:
    """Two of the four reached a person: 50% each way; on the 11th nobody escalated."""
    figures = conversation_figures(session, period())
    assert (figures.total.automatic_rate, figures.total.escalation_rate) == (0.5, 0.5)
    assert figures.daily[D11].automatic_rate == 1.0
    assert figures.daily[D12].escalation_rate == 1.0


def test_fallback_rate_is_fallback_turns_per_customer_message(session, week) -> None:
    """(1 + 0 + 1 + 0) fallbacks over (4 + 2 + 1 + 3) messages; the 10th: 1 of 6."""
    figures = conversation_figures(session, period())
    assert figures.total.fallback_rate == 0.2
    assert figures.daily[D10].fallback_rate == pytest.approx(0.1667)


def test_first_response_percentiles(session, week) -> None:
    """Waits 400, 800, 1200, 2000 ms: p50 halfway between 800 and 1200, p90 at 2.7 ranks."""
    figures = conversation_figures(session, period())
    assert figures.total.first_response_p50_ms == 1000
    assert figures.total.first_response_p90_ms == pytest.approx(1760)
    assert (figures.daily[D10].first_response_p50_ms,
            figures.daily[D10].first_response_p90_ms) == (1000, pytest.approx(1160))


def test_cases_per_day(session, week) -> None:
    figures = case_figures(session, period(), NAMES)
    assert figures.daily == {D10: 1, D11: 2, D12: 3}
    assert figures.total == 6


def test_case_reasons_by_product_category_and_supplier(session, week) -> None:
    figures = case_figures(session, period(), NAMES)
    assert [(row.label, row.total) for row in figures.by_product] == [
        ("东北大米", 2), ("丹东草莓", 2), ("原木抽纸", 1), ("烟台红富士", 1)]
    strawberries = figures.by_product[1].counts
    assert (strawberries[Reason.SPOILED], strawberries[Reason.DAMAGED]) == (1, 1)
    assert [(row.label, row.total) for row in figures.by_category] == [("标品", 3),
                                                                      ("生鲜商品", 3)]
    assert figures.by_category[0].counts[Reason.NO_REASON] == 2
    assert [(row.label, row.total) for row in figures.by_supplier] == [
        ("惠民粮油百货批发", 3), ("丹东草莓合作社", 2), ("山东寿光果蔬基地", 1)]


def test_time_to_resolution_counts_cases_settled_in_the_period(session, week) -> None:
    """Settled (first refunded/rejected/closed): k7 after 12 h and k1 after 2 h on the
    10th, k2 rejected after 6 h on the 11th; k5 closed at midnight after the period."""
    figures = resolution_figures(session, period())
    assert (figures.total.cases, figures.total.p50, figures.total.p90) == (
        3, 6, pytest.approx(10.8))
    assert (figures.daily[D10].p50, figures.daily[D10].p90) == (7, pytest.approx(11))
    assert figures.daily[D11].p50 == 6
    assert figures.daily[D12].cases == 0 and figures.daily[D12].p50 is None


def test_resale_ratio_of_returned_standard_goods(session, week) -> None:
    """Standard goods: the rice (resellable) and the tissues (not); the withdrawn rice
    never came back."""
    figures = resale_figures(session, period())
    assert (figures.returned, figures.resellable, figures.ratio) == (2, 1, 0.5)


def test_refunds_and_compensation_per_day_are_counted_once(session, week) -> None:
    """Refunds 29.90 (10th) and 5.98 (11th), not the cancelled 9.99; compensation 3.00
    (10th) and goodwill 5.00 (12th), not the revoked coupon nor a coupon with no case."""
    figures = cost_figures(session, period())
    assert figures.refunds == {D10: Decimal("29.90"), D11: Decimal("5.98"),
                               D12: Decimal("0.00")}
    assert figures.compensation == {D10: Decimal("3.00"), D11: Decimal("0.00"),
                                    D12: Decimal("5.00")}
    assert (figures.total_refunds, figures.total_compensation) == (Decimal("35.88"),
                                                                   Decimal("8.00"))


def test_leader_handling_time_by_pickup_point(session, week) -> None:
    """PP01 decided in 30 minutes (from the push) and 120 minutes (never pushed), one
    overturned; PP02 has one task still open; the task before the period is left out."""
    rows = {row.point_code: row for row in leader_handling(session, period())}
    assert list(rows) == ["PP01", "PP02", "PP03"]
    first = rows["PP01"].performance
    assert (first.tasks, first.decided, first.median_minutes, first.overturned) == (2, 2, 75, 1)
    assert rows["PP01"].leader_name == "刘芳"
    second = rows["PP02"].performance
    assert (second.tasks, second.open, second.median_minutes) == (1, 1, None)
    assert rows["PP03"].performance.tasks == 0


def test_satisfaction_distribution_and_daily_mean(session, week) -> None:
    """Answers 5, 4 (10th), 1 (11th), 5, 5 (12th); unanswered and later ones left out."""
    figures = satisfaction_figures(session, period())
    assert figures.distribution == {1: 1, 2: 0, 3: 0, 4: 1, 5: 3}
    assert figures.mean == 4.0
    assert figures.daily_mean == {D10: 4.5, D11: 1.0, D12: 5.0}


def test_an_empty_period_has_zeros_and_no_averages(session, week) -> None:
    empty = Period(date(2024, 1, 1), date(2024, 1, 2), period().zone)
    assert conversation_figures(session, empty).total.automatic_rate is None
    assert resolution_figures(session, empty).total.p50 is None
    assert satisfaction_figures(session, empty).mean is None
    assert resale_figures(session, empty).ratio is None
    assert case_figures(session, empty, NAMES).by_product == []
