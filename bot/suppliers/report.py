"""The weekly supplier report: every quality incident of an ISO week, supplier by
supplier, with its case and what it cost; exported as Excel-safe CSV and audited."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot import audit, messages
from bot.metrics.period import Period, iso_week
from bot.suppliers.excel_csv import excel_csv
from bot.suppliers.incidents import IncidentRow, incident_rows

MAX_ROWS = 5000
EXPORT_ACTION = "supplier_report.exported"
HEADER = ("供应商编码", "供应商", "日期", "商品", "批次", "原因", "售后单号", "售后单状态",
          "顾客原话", "退款(元)", "补偿(元)", "损失合计(元)")


class ReportTooLarge(ValueError):
    """More incidents than one export may hold (``MAX_ROWS``)."""

    def __init__(self, rows: int, limit: int = MAX_ROWS) -> None:
        super().__init__(f"{rows} rows, at most {limit}")
        self.rows = rows
        self.limit = limit


@dataclass(frozen=True)
class Report:
    """A finished export: its file name, CSV text and how many incidents it holds."""

    filename: str
    text: str
    rows: int


def _cells(row: IncidentRow, period: Period) -> tuple[object, ...]:
    return (row.supplier_code, row.supplier_name,
            row.at.astimezone(period.zone).strftime("%Y-%m-%d %H:%M"), row.product,
            row.batch, messages.REASON[row.reason], row.case_ref or "",
            messages.CASE_STATE[row.case_state], row.words, f"{row.refund:.2f}",
            f"{row.compensation:.2f}", f"{row.loss:.2f}")


def weekly_report(session: Session, week: Period, *, actor: str,
                  supplier_id: int | None = None, supplier_code: str | None = None,
                  limit: int | None = None) -> Report:
    """The week's incidents (of one supplier, or all) as CSV, audited as exported.

    Args:
        session: The caller's unit of work (the audit entry commits with it).
        week: The ISO week (``bot.metrics.period.parse_week``).
        actor: Who exports, for the audit trail (``"staff:3"``, ``"system:cli"``).
        supplier_id: Only this supplier's incidents.
        supplier_code: The supplier's code, for the file name.
        limit: The most incidents one export may hold (default ``MAX_ROWS``).

    Raises:
        ReportTooLarge: more than ``limit`` incidents.
    """
    limit = MAX_ROWS if limit is None else limit
    rows = incident_rows(session, week, supplier_id)
    if len(rows) > limit:
        raise ReportTooLarge(len(rows), limit)
    label = iso_week(week.first)
    audit.record(session, actor, EXPORT_ACTION, "supplier",
                 supplier_id if supplier_id is not None else "all",
                 week=label, rows=len(rows))
    code = re.sub(r"[^A-Za-z0-9_-]", "", supplier_code or "")
    name = f"supplier-report-{label}" + (f"-{code}" if code else "")
    return Report(filename=f"{name}.csv", text=excel_csv(HEADER, (_cells(row, week)
                                                                  for row in rows)),
                  rows=len(rows))
