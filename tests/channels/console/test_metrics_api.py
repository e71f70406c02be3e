"""The metrics dashboard over HTTP on a real server: who may see it, the figures and
charts of a hand-checked week, clear refusals for bad dates, the supplier page and the
audited CSV export."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from sqlalchemy import select

from bot.db import AuditEntry, Supplier
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason
from bot.suppliers import report
from tests.bot.metrics.dataset import at, case, seed_week

WEEK = "from=2025-03-10&to=2025-03-12"


@pytest.fixture
def week(app_db) -> dict[str, str]:
    with unit_of_work() as session:
        return {name: row.ref for name, row in seed_week(session).items()}


def _supplier_id(code: str) -> int:
    with unit_of_work() as session:
        return session.scalars(select(Supplier.id).where(Supplier.code == code)).one()


def _exports() -> list[AuditEntry]:
    with unit_of_work() as session:
        return session.scalars(select(AuditEntry)
                               .where(AuditEntry.action == report.EXPORT_ACTION)).all()


@pytest.mark.parametrize("username", ["agent1", "leader1"])
async def test_agents_and_leaders_are_refused_everywhere(desk, username) -> None:
    browser = await desk.signed_in(username)
    for path in (f"/console/api/metrics?{WEEK}", f"/console/api/metrics/suppliers/1?{WEEK}",
                 "/console/api/metrics/report.csv?week=2025-W11"):
        answer = await browser.get(path)
        assert (answer.status, answer.error) == (403, "您的账号没有这个权限"), path
    page = await browser.get("/console/metrics")
    assert page.status == 403 and "没有权限查看数据看板" in page.body
    assert _exports() == []


async def test_an_agent_sees_a_polite_no_permission_page(desk) -> None:
    agent = await desk.signed_in("agent1")
    page = await agent.get("/console/metrics")
    assert page.status == 403
    assert "没有权限查看数据看板：只有客服主管和管理员可以查看。" in page.body
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")


async def test_without_a_session_the_page_redirects_and_the_api_says_sign_in(desk) -> None:
    browser = desk.browser()
    assert (await browser.get("/console/metrics")).status == 302
    answer = await browser.get(f"/console/api/metrics?{WEEK}")
    assert (answer.status, answer.error) == (401, "请先登录")


@pytest.mark.parametrize("username", ["lead1", "admin1"])
async def test_leads_and_admins_open_the_page_and_its_files(desk, username) -> None:
    browser = await desk.signed_in(username)
    page = await browser.get("/console/metrics")
    assert page.status == 200 and "数据看板" in page.body and "{{error}}" not in page.body
    assert 'id="page-error"' in page.body
    for name, kind in (("metrics.js", "javascript"), ("metrics.css", "css")):
        answer = await browser.get(f"/console/static/{name}")
        assert answer.status == 200 and kind in answer.headers["Content-Type"]
    assert (await browser.get(f"/console/api/metrics?{WEEK}")).status == 200


async def test_the_dashboard_shows_the_weeks_figures(desk, week) -> None:
    lead = await desk.signed_in("lead1")
    answer = await lead.get(f"/console/api/metrics?{WEEK}")
    assert answer.status == 200
    data = answer.body
    assert data["period"] == {"from": "2025-03-10", "to": "2025-03-12", "days": 3}
    cards = {card["id"]: card["value"] for card in data["cards"]}
    assert cards == {
        "conversations": "4", "cases": "6", "automatic_rate": "50%", "escalation_rate": "50%",
        "fallback_rate": "20%", "first_response": "1 / 1.76 秒", "resolution": "6 / 10.8 小时",
        "refunds": "¥35.88", "compensation": "¥8.00", "resale": "50%", "satisfaction": "4（5）",
    }
    assert [row["code"] for row in data["suppliers"]] == ["SUP01", "SUP02", "SUP08"]
    assert data["suppliers"][0]["loss"] == "32.90"
    assert data["alerts"] == []


async def test_every_chart_is_an_accessible_svg_with_its_figures_as_a_table(desk, week) -> None:
    lead = await desk.signed_in("lead1")
    charts = {chart["id"]: chart for chart in (await lead.get(f"/console/api/metrics?{WEEK}"))
              .body["charts"]}
    assert set(charts) == {"volume", "handled", "rates", "first_response", "reasons_product",
                           "reasons_category", "reasons_supplier", "resolution", "leaders",
                           "costs", "resale", "satisfaction", "satisfaction_trend"}
    for chart in charts.values():
        root = ET.fromstring(chart["svg"])
        assert root.get("role") == "img" and root.get("data-empty") is None, chart["id"]
        assert root.find("{http://www.w3.org/2000/svg}title").text == chart["title"]
        assert [node for node in root.iter() if node.get("data-mark")], chart["id"]
    assert charts["volume"]["table"]["rows"] == [["03-10", "2", "1"], ["03-11", "1", "2"],
                                                 ["03-12", "1", "3"]]
    assert charts["satisfaction"]["table"]["rows"] == [["1分", 1], ["2分", 0], ["3分", 0],
                                                       ["4分", 1], ["5分", 3]]
    assert charts["reasons_supplier"]["table"]["rows"][0][0] == "惠民粮油百货批发"
    assert charts["leaders"]["table"]["rows"][0][:6] == ["阳光花园自提点", "刘芳", 2, 0, 2, "75"]


async def test_a_period_without_data_says_so_instead_of_drawing_empty_charts(desk, week) -> None:
    lead = await desk.signed_in("lead1")
    data = (await lead.get("/console/api/metrics?from=2024-01-01&to=2024-01-07")).body
    volume = next(chart for chart in data["charts"] if chart["id"] == "volume")
    assert ET.fromstring(volume["svg"]).get("data-empty") == "true"
    assert "该时间段暂无数据" in volume["svg"]
    assert {card["id"]: card["value"] for card in data["cards"]}["automatic_rate"] == "—"


async def test_the_default_period_is_the_last_fourteen_days(desk) -> None:
    lead = await desk.signed_in("lead1")
    period = (await lead.get("/console/api/metrics")).body["period"]
    assert period["days"] == 14
    assert date.fromisoformat(period["to"]) >= date.fromisoformat(period["from"])


@pytest.mark.parametrize(("query", "message"), [
    ("from=2026-02-30&to=2026-03-01", "「开始日期」不是有效的日期，请按 年-月-日 填写，例如 2026-11-20"),
    ("from=2026-11-01&to=tomorrow", "「结束日期」不是有效的日期，请按 年-月-日 填写，例如 2026-11-20"),
    ("from=2026-11-22&to=2026-11-01", "开始日期不能晚于结束日期"),
    ("from=2024-01-01&to=2025-06-30", "时间范围最多 366 天，请缩小范围"),
    ("from=1999-12-31&to=2000-01-02", "「开始日期」超出可查询的范围（2000-01-01 到 2099-12-31）"),
    ("from=2026-11-01%27%20OR%201%3D1--&to=2026-11-02",
     "「开始日期」不是有效的日期，请按 年-月-日 填写，例如 2026-11-20"),
])
async def test_bad_dates_get_a_clear_message(desk, query, message) -> None:
    lead = await desk.signed_in("lead1")
    answer = await lead.get(f"/console/api/metrics?{query}")
    assert (answer.status, answer.error) == (400, message)


async def test_the_supplier_page_lists_incidents_and_loss(desk, week) -> None:
    lead = await desk.signed_in("lead1")
    answer = await lead.get(f"/console/api/metrics/suppliers/{_supplier_id('SUP01')}?{WEEK}")
    assert answer.status == 200
    data = answer.body
    assert data["supplier"]["name"] == "丹东草莓合作社"
    assert [(row["date"], row["product"], row["batch"], row["reason"], row["case_ref"])
            for row in data["incidents"]] == [
        ("2025-03-10 10:00", "丹东草莓", "2026W47-03", "变质/不新鲜", week["k1"]),
        ("2025-03-11 09:00", "丹东草莓", "2026W47-03", "破损", week["k2"])]
    assert data["incidents"][0]["words"] == "草莓发霉了"
    assert data["loss"] == {"refund": "29.90", "compensation": "3.00", "total": "32.90"}
    assert data["alert"] is None and data["week"] == "2025-W11"
    missing = await lead.get(f"/console/api/metrics/suppliers/99999?{WEEK}")
    assert (missing.status, missing.error) == (404, "没有这个供应商")


async def test_a_supplier_at_the_threshold_is_alerted_on_the_dashboard(desk, week) -> None:
    """Add a third counted 丹东草莓 incident within 7 days (the rejected one does not count,
    so two more are needed)."""
    with unit_of_work() as session:
        case(session, "丹东草莓", Reason.SPOILED, at(11, 20), CaseState.CLOSED)
    lead = await desk.signed_in("lead1")
    assert (await lead.get(f"/console/api/metrics?{WEEK}")).body["alerts"] == []
    with unit_of_work() as session:
        case(session, "丹东草莓", Reason.MISSING, at(12, 8), CaseState.APPROVED)
    data = (await lead.get(f"/console/api/metrics?{WEEK}")).body
    assert [(alert["code"], alert["peak"], alert["reached_at"]) for alert in data["alerts"]] == [
        ("SUP01", 3, "03-12 08:00")]
    assert "丹东草莓合作社（SUP01）7 天内有 3 起质量问题，达到预警线 3 起" in data["alerts"][0]["text"]
    assert data["suppliers"][0]["alert"] is True
    supplier = (await lead.get(f"/console/api/metrics/suppliers/{_supplier_id('SUP01')}?{WEEK}"))
    assert supplier.body["alert"]["peak"] == 3


async def test_the_weekly_report_downloads_as_excel_safe_csv_and_is_audited(desk, week) -> None:
    lead = await desk.signed_in("lead1")
    answer = await lead.get("/console/api/metrics/report.csv?week=2025-W11")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == (
        'attachment; filename="supplier-report-2025-W11.csv"')
    assert answer.body.startswith("\ufeff供应商编码,供应商,日期")
    rows = list(csv.reader(io.StringIO(answer.body[1:])))
    assert len(rows) == 5 and rows[3][8] == "'=HYPERLINK(\"http://x\")"
    entry = _exports()[0]
    assert entry.actor.startswith("staff:") and entry.detail == {"week": "2025-W11", "rows": 4}


async def test_one_suppliers_report(desk, week) -> None:
    lead = await desk.signed_in("admin1")
    supplier = _supplier_id("SUP01")
    answer = await lead.get(f"/console/api/metrics/report.csv?week=2025-W11&supplier={supplier}")
    assert answer.headers["Content-Disposition"].endswith('-2025-W11-SUP01.csv"')
    assert [row[0] for row in csv.reader(io.StringIO(answer.body[1:]))][1:] == ["SUP01", "SUP01"]
    assert _exports()[0].entity_id == str(supplier)


@pytest.mark.parametrize(("query", "status", "message"), [
    ("week=2025-W53", 400, "「周」请写成 2026-W47 这样的格式（年-W周数），且那一年要有这一周"),
    ("week=2025-W11&supplier=1%20OR%201", 400, "没有这个供应商"),
    ("week=2025-W11&supplier=99999", 404, "没有这个供应商"),
])
async def test_bad_export_requests_are_refused_and_not_audited(desk, week, query, status,
                                                               message) -> None:
    lead = await desk.signed_in("lead1")
    answer = await lead.get(f"/console/api/metrics/report.csv?{query}")
    assert (answer.status, answer.error) == (status, message)
    assert _exports() == []


async def test_too_large_an_export_is_refused(desk, week, monkeypatch) -> None:
    monkeypatch.setattr(report, "MAX_ROWS", 3)
    lead = await desk.signed_in("lead1")
    answer = await lead.get("/console/api/metrics/report.csv?week=2025-W11")
    assert (answer.status, answer.error) == (
        400, "这一周有 4 条记录，一次最多导出 3 条，请按供应商分别导出")
    assert _exports() == []
