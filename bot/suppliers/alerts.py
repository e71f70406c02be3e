"""The procurement alert: a supplier with ``supplier_alert_incidents`` quality incidents
within ``supplier_alert_days`` days (policy ``supplier_alert``; default 3 in 7).

An incident counts unless its case was withdrawn by the customer or rejected (no quality
problem after all). A supplier *reaches* the threshold at an incident when the incidents
of the ``days`` days up to and including that moment number at least ``incidents``.
"""
from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import audit
from bot.db import ReturnCase, Supplier, SupplierIncident
from bot.enums import CaseState
from bot.metrics.period import Period
from bot.policy import Policy

NOT_COUNTED = (CaseState.CANCELLED, CaseState.REJECTED)
ALERT_ACTION = "supplier.alert_raised"


@dataclass(frozen=True)
class SupplierAlert:
    """A supplier that reached the threshold during the period.

    ``reached_at`` is the first incident in the period at which it did; ``peak`` the
    most incidents any window ending in the period held.
    """

    supplier_id: int
    supplier_code: str
    supplier_name: str
    reached_at: datetime
    peak: int
    threshold: int
    days: int


def _counted():
    return (select(SupplierIncident.supplier_id, SupplierIncident.created_at)
            .join(ReturnCase, SupplierIncident.case_id == ReturnCase.id)
            .where(ReturnCase.state.not_in(NOT_COUNTED)))


def supplier_alerts(session: Session, period: Period, policy: Policy) -> list[SupplierAlert]:
    """Suppliers that reached the threshold at an incident inside the period, in the order
    they reached it."""
    window = timedelta(days=policy.supplier_alert_days)
    rows = session.execute(
        _counted().where(SupplierIncident.created_at >= period.start - window,
                         SupplierIncident.created_at < period.end)
        .order_by(SupplierIncident.created_at)
    ).all()
    times: dict[int, list[datetime]] = defaultdict(list)
    for supplier_id, created_at in rows:
        times[supplier_id].append(created_at)
    reached: dict[int, tuple[datetime, int]] = {}
    for supplier_id, moments in times.items():
        for index, moment in enumerate(moments):
            if not period.contains(moment):
                continue
            in_window = index + 1 - bisect_left(moments, moment - window)
            if in_window < policy.supplier_alert_incidents:
                continue
            first, peak = reached.get(supplier_id, (moment, 0))
            reached[supplier_id] = (first, max(peak, in_window))
    if not reached:
        return []
    names = dict(
        (row.id, (row.code, row.name)) for row in session.execute(
            select(Supplier.id, Supplier.code, Supplier.name)
            .where(Supplier.id.in_(list(reached)))
        )
    )
    alerts = [
        SupplierAlert(supplier_id, *names[supplier_id], reached_at=first, peak=peak,
                      threshold=policy.supplier_alert_incidents,
                      days=policy.supplier_alert_days)
        for supplier_id, (first, peak) in reached.items()
    ]
    return sorted(alerts, key=lambda alert: (alert.reached_at, alert.supplier_code))


def note_incident(session: Session, incident: SupplierIncident, policy: Policy) -> bool:
    """Records in the audit trail when ``incident`` (just added) brings its supplier to
    the threshold, i.e. the window up to it holds exactly the threshold; later incidents
    in the same window find more and record nothing, so each crossing is recorded once.

    Returns:
        Whether this incident raised the alert.
    """
    window_start = incident.created_at - timedelta(days=policy.supplier_alert_days)
    count = session.scalar(
        select(func.count()).select_from(
            _counted().where(SupplierIncident.supplier_id == incident.supplier_id,
                             SupplierIncident.created_at >= window_start,
                             SupplierIncident.created_at <= incident.created_at)
            .subquery())
    ) or 0
    if count != policy.supplier_alert_incidents:
        return False
    audit.record(session, "bot", ALERT_ACTION, "supplier", incident.supplier_id,
                 incident_id=incident.id, incidents=count, days=policy.supplier_alert_days,
                 since=window_start.isoformat(), batch=incident.batch)
    return True
