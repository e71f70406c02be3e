"""The dashboard's JSON: headline figures, and each chart as server-rendered SVG with
the same figures as a table (no queries here; ``bot.metrics`` reads them)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from bot import messages
from bot.charts import Bar, Series, bar_chart, column_chart, line_chart, percent, share_bar
from bot.charts.svg import number
from bot.enums import Reason
from bot.metrics.cases import ReasonCounts
from bot.metrics.dashboard import Dashboard
from bot.metrics.satisfaction import SCORES
from bot.metrics.stats import rounded
from channels.console import texts
from channels.console.supplier_view import alert_view, supplier_row

TOP_PRODUCTS = 10
CHART, SERIES, COLUMN, UNIT = (texts.METRICS_CHART, texts.METRICS_SERIES, texts.METRICS_COLUMN,
                               texts.METRICS_UNIT)
Table = dict[str, list]


def _day(day: date) -> str:
    return day.strftime("%m-%d")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _maybe(value: float | None, fmt: Callable[[float], str] = number) -> str:
    return "—" if value is None else fmt(value)


def _chart(key: str, title: str, svg: str, table: Table) -> dict[str, Any]:
    return {"id": key, "title": title, "svg": svg, "table": table}


def _daily_table(days: Sequence[date], columns: dict[str, Sequence]) -> Table:
    return {"columns": [COLUMN["day"], *columns],
            "rows": [[_day(day), *(values[index] for values in columns.values())]
                     for index, day in enumerate(days)]}


def _line(key: str, title: str, days: Sequence[date], series: dict[str, Sequence],
          fmt: Callable[[float], str] = number, **options: Any) -> dict[str, Any]:
    svg = line_chart(key, title, [_day(day) for day in days],
                     [Series(name, values) for name, values in series.items()],
                     empty_message=texts.METRICS_NO_DATA, fmt=fmt, **options)
    table = _daily_table(days, {name: [_maybe(value, fmt) for value in values]
                                for name, values in series.items()})
    return _chart(key, title, svg, table)


def _reasons(key: str, title: str, groups: list[ReasonCounts]) -> dict[str, Any]:
    names = [messages.REASON[reason] for reason in Reason]
    bars = [Bar(group.label, [group.counts[reason] for reason in Reason]) for group in groups]
    svg = bar_chart(key, title, bars, names, empty_message=texts.METRICS_NO_DATA)
    rows = [[group.label, *(group.counts[reason] for reason in Reason), group.total]
            for group in groups]
    return _chart(key, title, svg, {"columns": [COLUMN["label"], *names, COLUMN["total"]],
                                    "rows": rows})


def _share(key: str, title: str, parts: list[tuple[str, int]]) -> dict[str, Any]:
    total = sum(value for _, value in parts)
    svg = share_bar(key, title, parts, empty_message=texts.METRICS_NO_DATA)
    rows = [[name, value, _maybe(value / total if total else None, percent)]
            for name, value in parts]
    return _chart(key, title, svg, {"columns": [COLUMN["label"], COLUMN["value"],
                                                COLUMN["share"]], "rows": rows})


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else round(ms / 1000, 2)


def _cards(board: Dashboard) -> list[dict[str, str]]:
    talk, hours = board.conversations.total, board.resolution.total
    satisfaction = board.satisfaction
    values = {
        "conversations": str(talk.conversations),
        "cases": str(board.cases.total),
        "automatic_rate": _maybe(talk.automatic_rate, percent),
        "escalation_rate": _maybe(talk.escalation_rate, percent),
        "fallback_rate": _maybe(talk.fallback_rate, percent),
        "first_response": (f"{_maybe(_seconds(talk.first_response_p50_ms))} / "
                           f"{_maybe(_seconds(talk.first_response_p90_ms))} {UNIT['seconds']}"),
        "resolution": (f"{_maybe(rounded(hours.p50))} / "
                       f"{_maybe(rounded(hours.p90))} {UNIT['hours']}"),
        "refunds": f"¥{_money(board.costs.total_refunds)}",
        "compensation": f"¥{_money(board.costs.total_compensation)}",
        "resale": _maybe(board.resale.ratio, percent),
        "satisfaction": (f"{_maybe(rounded(satisfaction.mean, 2))}"
                         f"（{satisfaction.answers}）"),
    }
    return [{"id": key, "label": texts.METRICS_CARD[key], "value": value}
            for key, value in values.items()]


def _conversation_charts(board: Dashboard, days: list[date]) -> list[dict[str, Any]]:
    daily = [board.conversations.daily[day] for day in days]
    total = board.conversations.total
    return [
        _line("volume", CHART["volume"], days, {
            SERIES["conversations"]: [item.conversations for item in daily],
            SERIES["cases"]: [board.cases.daily[day] for day in days]}, y_label=UNIT["count"]),
        _share("handled", CHART["handled"], [
            (SERIES["automatic"], total.conversations - total.escalated),
            (SERIES["escalated"], total.escalated)]),
        _line("rates", CHART["rates"], days, {
            SERIES["automatic"]: [item.automatic_rate for item in daily],
            SERIES["escalated"]: [item.escalation_rate for item in daily],
            SERIES["fallback"]: [item.fallback_rate for item in daily]}, fmt=percent, y_max=1),
        _line("first_response", CHART["first_response"], days, {
            SERIES["p50"]: [_seconds(item.first_response_p50_ms) for item in daily],
            SERIES["p90"]: [_seconds(item.first_response_p90_ms) for item in daily]},
            y_label=UNIT["seconds"]),
    ]


def _leaders_chart(board: Dashboard) -> dict[str, Any]:
    title = CHART["leaders"]
    bars = [Bar(f"{row.point_name}（{row.leader_name}）",
                [row.performance.median_minutes or 0]) for row in board.leaders]
    svg = bar_chart("leaders", title, bars, [SERIES["minutes"]],
                    empty_message=texts.METRICS_NO_DATA)
    rows = [[row.point_name, row.leader_name, row.performance.tasks, row.performance.open,
             row.performance.decided, _maybe(row.performance.median_minutes),
             _maybe(row.performance.average_minutes), row.performance.reminded,
             row.performance.escalated, row.performance.overturned] for row in board.leaders]
    columns = [COLUMN[key] for key in ("point", "leader", "tasks", "open", "decided", "median",
                                       "average", "reminded", "escalated", "overturned")]
    return _chart("leaders", title, svg, {"columns": columns, "rows": rows})


def _satisfaction_charts(board: Dashboard, days: list[date]) -> list[dict[str, Any]]:
    figures = board.satisfaction
    labels = [texts.METRICS_SCORE.format(score=score) for score in SCORES]
    counts = [figures.distribution[score] for score in SCORES]
    histogram = column_chart("satisfaction", CHART["satisfaction"], labels, counts,
                             empty_message=texts.METRICS_NO_DATA, y_label=COLUMN["count"])
    return [
        _chart("satisfaction", CHART["satisfaction"], histogram,
               {"columns": [COLUMN["score"], COLUMN["count"]],
                "rows": [list(row) for row in zip(labels, counts)]}),
        _line("satisfaction_trend", CHART["satisfaction_trend"], days, {
            SERIES["mean"]: [figures.daily_mean[day] for day in days]},
            y_max=5, y_label=UNIT["score"]),
    ]


def dashboard_view(board: Dashboard) -> dict[str, Any]:
    """The dashboard of ``board.period`` as the page shows it."""
    period, days = board.period, list(board.period.dates())
    cases = board.cases
    alerted = {alert.supplier_id for alert in board.alerts}
    charts = [
        *_conversation_charts(board, days),
        _reasons("reasons_product", CHART["reasons_product"].format(top=TOP_PRODUCTS),
                 cases.by_product[:TOP_PRODUCTS]),
        _reasons("reasons_category", CHART["reasons_category"], cases.by_category),
        _reasons("reasons_supplier", CHART["reasons_supplier"], cases.by_supplier),
        _line("resolution", CHART["resolution"], days, {
            SERIES["p50"]: [board.resolution.daily[day].p50 for day in days],
            SERIES["p90"]: [board.resolution.daily[day].p90 for day in days]},
            y_label=UNIT["hours"]),
        _leaders_chart(board),
        _line("costs", CHART["costs"], days, {
            SERIES["refunds"]: [float(board.costs.refunds[day]) for day in days],
            SERIES["compensation"]: [float(board.costs.compensation[day]) for day in days]},
            y_label=UNIT["yuan"]),
        _share("resale", CHART["resale"], [
            (SERIES["resellable"], board.resale.resellable),
            (SERIES["not_resellable"], board.resale.returned - board.resale.resellable)]),
        *_satisfaction_charts(board, days),
    ]
    return {
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat(),
                   "days": period.days},
        "cards": _cards(board),
        "alerts": [alert_view(alert, period.zone) for alert in board.alerts],
        "charts": charts,
        "suppliers": [supplier_row(item, item.supplier_id in alerted)
                      for item in board.suppliers],
    }
