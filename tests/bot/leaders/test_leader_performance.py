"""A leader's first-check figures: speed, reminders, escalations, overturns
(bot/leaders/performance.py).

The demo's cases are ``tests.bot.leaders.first_check_cases``.
"""
from __future__ import annotations

from datetime import timedelta

from bot.cases import ClaimDraft
from bot.db.session import unit_of_work
from bot.enums import Reason
from bot.leaders.first_check import decide, mark_overturned
from bot.leaders.performance import leader_performance
from bot.leaders.tasks import escalate, mark_notified, mark_reminded
from tests.bot.cases.claims import customer_id, line
from tests.bot.leaders.first_check_cases import (
    APPROVED,
    REJECTED,
    leader_of,
    missing_strawberries,
    opened,
    task_of,
    unwanted_detergent,
)


def test_leader_performance_counts_speed_reminders_escalations_and_overturns(app_db, policy, now):
    leader = leader_of("PP01")
    strawberries, detergent = missing_strawberries(policy, now), unwanted_detergent(policy, now)
    fast, slow = task_of(strawberries, policy, now), task_of(detergent, policy, now)
    with unit_of_work() as session:
        mark_notified(session, fast, now + timedelta(minutes=10))
        decide(session, leader, strawberries.ref, APPROVED, now=now + timedelta(minutes=40),
               policy=policy)  # 30 minutes after the push
        mark_notified(session, slow, now + timedelta(minutes=1))
        mark_reminded(session, slow, now + timedelta(hours=5))
        decide(session, leader, detergent.ref, REJECTED, now=now + timedelta(minutes=91),
               policy=policy, reason="已经拆封了")  # 90 minutes after the push
        mark_overturned(session, detergent.id, now, actor="staff:3")
    spinach = opened(lambda s: ClaimDraft(
        customer_id(s, "demo-4"), line(s, "demo-4", "菠菜", now).line_id, Reason.MISSING),
        policy, now)
    with unit_of_work() as session:
        escalate(session, task_of(spinach, policy, now), now + timedelta(hours=7), policy)

    with unit_of_work() as session:
        figures = leader_performance(session, leader, now - timedelta(days=1))
        nothing_later = leader_performance(session, leader, now + timedelta(minutes=1))
        other_leader = leader_performance(session, leader_of("PP02"), now - timedelta(days=1))
    assert (figures.tasks, figures.open, figures.decided) == (3, 0, 2)
    assert (figures.approved, figures.rejected, figures.to_platform) == (1, 1, 0)
    assert (figures.median_minutes, figures.average_minutes) == (60.0, 60.0)
    assert (figures.reminded, figures.escalated, figures.overturned) == (1, 1, 1)
    assert nothing_later.tasks == 0 and nothing_later.median_minutes is None
    assert other_leader.tasks == 0
