"""The procurement alert: a supplier reaching the policy's threshold (3 quality incidents
within 7 days by default) is flagged on the dashboard, and the crossing is audited once."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.cases import open_case
from bot.db import AuditEntry, Supplier, SupplierIncident
from bot.enums import CaseState, Reason
from bot.metrics.period import Period
from bot.suppliers.alerts import ALERT_ACTION, note_incident, supplier_alerts
from tests.bot.cases.claims import missing_claim, strawberry_claim
from tests.bot.metrics.dataset import CHINA, at, case

MARCH = Period(date(2025, 3, 1), date(2025, 3, 31), CHINA)


def _strawberry_cases(session, *moments, state=CaseState.CLOSED):
    return [case(session, "丹东草莓", Reason.SPOILED, moment, state) for moment in moments]


def _alerted(session, policy, period=MARCH) -> list[str]:
    return [alert.supplier_code for alert in supplier_alerts(session, period, policy)]


def test_three_incidents_within_seven_days_raise_the_alert(session, policy) -> None:
    _strawberry_cases(session, at(3, 9), at(6, 9), at(10, 9))
    alerts = supplier_alerts(session, MARCH, policy)
    assert [(a.supplier_code, a.supplier_name, a.peak) for a in alerts] == [
        ("SUP01", "丹东草莓合作社", 3)]
    assert alerts[0].reached_at == at(10, 9)
    assert (alerts[0].threshold, alerts[0].days) == (3, 7)


def test_exactly_seven_days_apart_is_still_within_the_window(session, policy) -> None:
    _strawberry_cases(session, at(3, 9), at(5, 9), at(10, 9))
    assert _alerted(session, policy) == ["SUP01"]


def test_two_incidents_are_below_the_threshold(session, policy) -> None:
    _strawberry_cases(session, at(3, 9), at(6, 9))
    assert _alerted(session, policy) == []


def test_three_incidents_spread_over_more_than_seven_days_are_not_an_alert(session,
                                                                          policy) -> None:
    _strawberry_cases(session, at(3, 9), at(6, 9), at(10, 9, 1))
    assert _alerted(session, policy) == []


def test_withdrawn_and_rejected_cases_do_not_count(session, policy) -> None:
    _strawberry_cases(session, at(3, 9), at(4, 9))
    _strawberry_cases(session, at(5, 9), state=CaseState.REJECTED)
    _strawberry_cases(session, at(6, 9), state=CaseState.CANCELLED)
    assert _alerted(session, policy) == []


def test_incidents_before_the_period_count_towards_an_alert_inside_it(session, policy) -> None:
    _strawberry_cases(session, at(1, 9), at(2, 9), at(4, 9))
    later = Period(date(2025, 3, 3), date(2025, 3, 31), CHINA)
    assert _alerted(session, policy, later) == ["SUP01"]
    assert _alerted(session, policy, Period(date(2025, 3, 5), date(2025, 3, 31), CHINA)) == []


def test_the_threshold_comes_from_the_policy(session, policy) -> None:
    _strawberry_cases(session, at(3, 9), at(6, 9))
    assert _alerted(session, replace(policy, supplier_alert_incidents=2)) == ["SUP01"]


def _incidents(session, cases):
    return [session.scalars(select(SupplierIncident)
                            .where(SupplierIncident.case_id == row.id)).one() for row in cases]


def _alert_audits(session) -> list[AuditEntry]:
    return session.scalars(select(AuditEntry).where(AuditEntry.action == ALERT_ACTION)).all()


def test_the_crossing_is_audited_by_the_incident_that_reaches_the_threshold(session,
                                                                           policy) -> None:
    cases = _strawberry_cases(session, at(3, 9), at(4, 9), at(5, 9), at(6, 9))
    incidents = _incidents(session, cases)
    raised = [note_incident(session, incident, policy) for incident in incidents]
    assert raised == [False, False, True, False]
    entries = _alert_audits(session)
    supplier = session.scalars(select(Supplier).where(Supplier.code == "SUP01")).one()
    assert [(e.entity, e.entity_id, e.detail["incident_id"], e.detail["incidents"])
            for e in entries] == [("supplier", str(supplier.id), incidents[2].id, 3)]


def test_opening_quality_cases_raises_the_alert_once(app_db, session, policy) -> None:
    """Through the real case opening: demo-1's strawberries go bad and a box is missing
    (two incidents for 丹东草莓合作社 with a threshold of 2); a third claim records nothing
    new."""
    strict = replace(policy, supplier_alert_incidents=2)
    now = app_db.seeded_at + timedelta(minutes=5)
    open_case(session, strawberry_claim(session, app_db, now), now, strict, "customer:1")
    assert _alert_audits(session) == []
    open_case(session, missing_claim(session, now), now + timedelta(minutes=1), strict,
              "customer:1")
    assert len(_alert_audits(session)) == 1
    open_case(session, strawberry_claim(session, app_db, now, reason=Reason.DAMAGED,
                                        quantity_affected=Decimal("1")),
              now + timedelta(minutes=2), strict, "customer:1")
    assert len(_alert_audits(session)) == 1


@pytest.mark.parametrize("count", [1, 2])
def test_below_the_threshold_nothing_is_audited(session, policy, count) -> None:
    cases = _strawberry_cases(session, *[at(3 + day, 9) for day in range(count)])
    assert not any(note_incident(session, incident, policy)
                   for incident in _incidents(session, cases))
    assert _alert_audits(session) == []
