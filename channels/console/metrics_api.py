"""The metrics dashboard's JSON API under ``/console/api/metrics``; see the README
section "Metrics dashboard". Every route needs ``Permission.METRICS`` (leads, admins).

- ``GET /api/metrics?from=YYYY-MM-DD&to=YYYY-MM-DD``: every figure and chart of the days
  (default: the last 14 days);
- ``GET /api/metrics/suppliers/<id>?from=…&to=…``: one supplier's incidents and loss;
- ``GET /api/metrics/report.csv?week=2026-W47[&supplier=<id>]``: the weekly supplier
  report as a CSV download (audited, at most ``bot.suppliers.report.MAX_ROWS`` rows).
"""
from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.db import Supplier
from bot.db.session import unit_of_work
from bot.metrics.dashboard import load_dashboard
from bot.metrics.period import (
    EARLIEST,
    LATEST,
    MAX_DAYS,
    Period,
    PeriodInvalid,
    PeriodProblem,
    iso_week,
    parse_period,
    parse_week,
)
from bot.policy import Policy, load_policy
from bot.settings import get_settings
from bot.staff.roles import Permission
from bot.suppliers.alerts import supplier_alerts
from bot.suppliers.incidents import incident_rows
from bot.suppliers.report import Report, ReportTooLarge, weekly_report
from channels.console import texts
from channels.console.errors import Refusal
from channels.console.guard import COMMON_HEADERS, Guard, Staff, json_response
from channels.console.metrics_view import dashboard_view
from channels.console.supplier_view import supplier_view

MAX_ARG = 40


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().service_timezone)


def _policy() -> Policy:
    return load_policy(get_settings().policy_file)


def period_refusal(error: PeriodInvalid) -> Refusal:
    """The 400 a person reads for dates that make no period."""
    field = texts.METRICS_FIELD.get(error.field or "", "")
    message = {
        PeriodProblem.NOT_A_DATE: texts.METRICS_NOT_A_DATE.format(field=field),
        PeriodProblem.OUT_OF_RANGE: texts.METRICS_OUT_OF_RANGE.format(
            field=field, earliest=EARLIEST.isoformat(), latest=LATEST.isoformat()),
        PeriodProblem.REVERSED: texts.METRICS_REVERSED,
        PeriodProblem.TOO_LONG: texts.METRICS_TOO_LONG.format(days=MAX_DAYS),
        PeriodProblem.NOT_A_WEEK: texts.METRICS_NOT_A_WEEK,
    }[error.problem]
    return Refusal(400, message, field=error.field)


def _arg(request: Request, name: str) -> str | None:
    value = request.args.get(name)
    return value[:MAX_ARG + 1] if value else None


def _period(request: Request, guard: Guard) -> Period:
    zone = _zone()
    try:
        return parse_period(_arg(request, "from"), _arg(request, "to"), zone,
                            guard.clock().astimezone(zone).date())
    except PeriodInvalid as error:
        raise period_refusal(error) from None


def _supplier_arg(request: Request) -> int | None:
    raw = _arg(request, "supplier")
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit():
        raise Refusal(400, texts.METRICS_SUPPLIER_NOT_FOUND, field="supplier")
    return int(raw)


def _dashboard(period: Period) -> dict[str, Any]:
    with unit_of_work() as session:
        return dashboard_view(load_dashboard(session, period, _policy()))


def _supplier_page(supplier_id: int, period: Period) -> dict[str, Any]:
    with unit_of_work() as session:
        supplier = session.get(Supplier, supplier_id)
        if supplier is None:
            raise Refusal(404, texts.METRICS_SUPPLIER_NOT_FOUND)
        alert = next((item for item in supplier_alerts(session, period, _policy())
                      if item.supplier_id == supplier_id), None)
        return supplier_view({"id": supplier.id, "code": supplier.code, "name": supplier.name},
                             period, incident_rows(session, period, supplier_id), alert)


def _report(week: Period, supplier_id: int | None, actor: str) -> Report:
    with unit_of_work() as session:
        code = None
        if supplier_id is not None:
            supplier = session.get(Supplier, supplier_id)
            if supplier is None:
                raise Refusal(404, texts.METRICS_SUPPLIER_NOT_FOUND)
            code = supplier.code
        try:
            return weekly_report(session, week, actor=actor, supplier_id=supplier_id,
                                 supplier_code=code)
        except ReportTooLarge as error:
            raise Refusal(400, texts.METRICS_EXPORT_TOO_LARGE.format(
                rows=error.rows, limit=error.limit)) from None


def add_metrics_routes(bp: Blueprint, guard: Guard) -> None:
    """Registers the dashboard's API routes on the console blueprint."""

    @bp.get("/api/metrics")
    @guard.api(Permission.METRICS)
    async def dashboard(request: Request, staff: Staff) -> HTTPResponse:
        period = _period(request, guard)
        return json_response(await asyncio.to_thread(_dashboard, period))

    @bp.get("/api/metrics/suppliers/<supplier_id:int>")
    @guard.api(Permission.METRICS)
    async def supplier(request: Request, staff: Staff, supplier_id: int) -> HTTPResponse:
        period = _period(request, guard)
        return json_response(await asyncio.to_thread(_supplier_page, supplier_id, period))

    @bp.get("/api/metrics/report.csv")
    @guard.api(Permission.METRICS)
    async def report(request: Request, staff: Staff) -> HTTPResponse:
        zone = _zone()
        raw_week = _arg(request, "week") or iso_week(guard.clock().astimezone(zone).date())
        try:
            week = parse_week(raw_week, zone)
        except PeriodInvalid as error:
            raise period_refusal(error) from None
        export = await asyncio.to_thread(_report, week, _supplier_arg(request), staff.actor)
        disposition = f'attachment; filename="{export.filename}"'
        return response.raw(export.text.encode("utf-8"), content_type="text/csv; charset=utf-8",
                            headers={**COMMON_HEADERS, "Content-Disposition": disposition})
