"""JSON of the supplier side of the dashboard: alerts, the suppliers' table and one
supplier's incident history with its loss."""
from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot import messages
from bot.metrics.period import Period, iso_week
from bot.suppliers.alerts import SupplierAlert
from bot.suppliers.incidents import IncidentRow, SupplierSummary, total_loss
from channels.console import texts


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def alert_view(alert: SupplierAlert, zone: ZoneInfo) -> dict[str, Any]:
    reached = alert.reached_at.astimezone(zone).strftime("%m-%d %H:%M")
    return {
        "supplier_id": alert.supplier_id, "code": alert.supplier_code,
        "name": alert.supplier_name, "reached_at": reached, "peak": alert.peak,
        "threshold": alert.threshold, "days": alert.days,
        "text": texts.METRICS_ALERT.format(name=alert.supplier_name, code=alert.supplier_code,
                                           days=alert.days, peak=alert.peak,
                                           threshold=alert.threshold, at=reached),
    }


def supplier_row(summary: SupplierSummary, alerted: bool) -> dict[str, Any]:
    return {"id": summary.supplier_id, "code": summary.supplier_code,
            "name": summary.supplier_name, "incidents": summary.incidents,
            "refund": _money(summary.refund), "compensation": _money(summary.compensation),
            "loss": _money(summary.loss), "alert": alerted}


def _incident(row: IncidentRow, zone: ZoneInfo) -> dict[str, Any]:
    return {"date": row.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), "product": row.product,
            "batch": row.batch, "reason": messages.REASON[row.reason], "case_ref": row.case_ref,
            "state": messages.CASE_STATE[row.case_state], "words": row.words,
            "refund": _money(row.refund), "compensation": _money(row.compensation),
            "loss": _money(row.loss)}


def supplier_view(supplier: dict[str, Any], period: Period, rows: list[IncidentRow],
                  alert: SupplierAlert | None) -> dict[str, Any]:
    """One supplier's page: its incidents in the period, loss, alert and report week."""
    refund, compensation = total_loss(rows)
    return {
        "supplier": supplier,
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "incidents": [_incident(row, period.zone) for row in rows],
        "loss": {"refund": _money(refund), "compensation": _money(compensation),
                 "total": _money(refund + compensation)},
        "alert": alert_view(alert, period.zone) if alert else None,
        "week": iso_week(period.last),
    }
