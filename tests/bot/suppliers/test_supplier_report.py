"""A supplier's incident history and loss, and the weekly report as Excel-safe CSV."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.db import AuditEntry
from bot.enums import Reason
from bot.metrics.period import parse_week
from bot.suppliers.excel_csv import BOM, excel_csv, safe_cell
from bot.suppliers.incidents import incident_rows, summarise, total_loss, truncate
from bot.suppliers.report import EXPORT_ACTION, HEADER, ReportTooLarge, weekly_report
from tests.bot.metrics.dataset import CHINA, period, seed_week

WEEK = parse_week("2025-W11", CHINA)   # 2025-03-10 … 2025-03-16


def _rows(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM):])))


def test_incident_history_lists_product_batch_reason_case_and_words(session) -> None:
    cases = seed_week(session)
    rows = incident_rows(session, period())
    assert [(row.supplier_code, row.product, row.reason, row.case_ref) for row in rows] == [
        ("SUP01", "丹东草莓", Reason.SPOILED, cases["k1"].ref),
        ("SUP01", "丹东草莓", Reason.DAMAGED, cases["k2"].ref),
        ("SUP02", "烟台红富士", Reason.WRONG_ITEM, cases["k3"].ref),
        ("SUP08", "原木抽纸", Reason.DAMAGED, cases["k5"].ref),
    ]
    assert rows[0].batch == "2026W47-03" and rows[0].words == "草莓发霉了"
    assert rows[1].words.startswith("小美：草莓压坏了两盒") and len(rows[1].words) == 40
    assert rows[1].words.endswith("…")


def test_loss_is_refunds_plus_compensation_of_the_incident_cases(session) -> None:
    seed_week(session)
    rows = incident_rows(session, period())
    assert [(row.refund, row.compensation, row.loss) for row in rows] == [
        (Decimal("29.90"), Decimal("3.00"), Decimal("32.90")),
        (Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
        (Decimal("5.98"), Decimal("0.00"), Decimal("5.98")),
        (Decimal("0.00"), Decimal("5.00"), Decimal("5.00")),
    ]
    assert total_loss(rows) == (Decimal("35.88"), Decimal("8.00"))
    assert [(item.supplier_code, item.incidents, item.loss) for item in summarise(rows)] == [
        ("SUP01", 2, Decimal("32.90")), ("SUP02", 1, Decimal("5.98")),
        ("SUP08", 1, Decimal("5.00"))]


def test_one_suppliers_history_only(session) -> None:
    cases = seed_week(session)
    supplier_id = incident_rows(session, period())[0].supplier_id
    rows = incident_rows(session, period(), supplier_id)
    assert [row.case_ref for row in rows] == [cases["k1"].ref, cases["k2"].ref]


def test_weekly_report_is_excel_safe_csv_and_audited(session) -> None:
    cases = seed_week(session)
    report = weekly_report(session, WEEK, actor="staff:7")
    rows = _rows(report.text)
    assert rows[0] == list(HEADER)
    assert report.filename == "supplier-report-2025-W11.csv" and report.rows == 4
    first = dict(zip(HEADER, rows[1]))
    assert (first["供应商编码"], first["日期"], first["原因"], first["售后单号"],
            first["退款(元)"], first["补偿(元)"], first["损失合计(元)"]) == (
        "SUP01", "2025-03-10 10:00", "变质/不新鲜", cases["k1"].ref, "29.90", "3.00", "32.90")
    apples = dict(zip(HEADER, rows[3]))
    assert apples["顾客原话"] == "'=HYPERLINK(\"http://x\")"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == EXPORT_ACTION)).one()
    assert (entry.actor, entry.entity_id, entry.detail) == ("staff:7", "all",
                                                           {"week": "2025-W11", "rows": 4})


def test_a_suppliers_weekly_report_names_the_supplier(session) -> None:
    seed_week(session)
    supplier_id = incident_rows(session, period())[0].supplier_id
    report = weekly_report(session, WEEK, actor="system:cli", supplier_id=supplier_id,
                           supplier_code="SUP01")
    assert report.filename == "supplier-report-2025-W11-SUP01.csv"
    assert {row[0] for row in _rows(report.text)[1:]} == {"SUP01"}


def test_too_large_a_report_is_refused_and_not_audited(session) -> None:
    seed_week(session)
    with pytest.raises(ReportTooLarge) as raised:
        weekly_report(session, WEEK, actor="staff:7", limit=3)
    assert (raised.value.rows, raised.value.limit) == (4, 3)
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == EXPORT_ACTION)).all() == []


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"), ("+86 138", "'+86 138"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=cmd", "'\t=cmd"), ("草莓=烂", "草莓=烂"), ("", ""), (None, ""), (29.9, "29.9"),
])
def test_cells_a_spreadsheet_would_run_get_a_leading_quote(value, cell) -> None:
    assert safe_cell(value) == cell


def test_csv_starts_with_a_bom_and_quotes_commas_and_newlines() -> None:
    text = excel_csv(["商品", "说明"], [["草莓, 大果", "第一行\n第二行"], ["=cmd|' /C calc'!A0", "ok"]])
    assert text.startswith("\ufeff商品,说明\r\n")
    assert _rows(text)[1:] == [["草莓, 大果", "第一行\n第二行"], ["'=cmd|' /C calc'!A0", "ok"]]


def test_truncate_keeps_short_words_and_flattens_lines() -> None:
    assert truncate("  草莓\n坏了 ") == "草莓 坏了"
    assert truncate(None) == ""
    assert truncate("一二三四五", limit=4) == "一二三…"
