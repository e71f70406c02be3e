"""The metrics dashboard in headless Chromium: a lead sees charts drawn from recent data,
a supplier alert that opens the supplier's incident history, downloads the weekly CSV
and gets a clear message for reversed dates; an agent is told they have no permission.

The console runs on a real Sanic server (as ``rasa run`` mounts channels) in a thread of
its own, since Playwright's sync API holds this thread's event loop.
"""
from __future__ import annotations

import asyncio
import io
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from rasa.core.channels.channel import register
from sanic import Sanic
from sqlalchemy import select

from bot.db import Supplier
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason
from bot.messaging.rasa_api import RasaClient
from bot.metrics.period import iso_week
from channels.console import ConsoleInput
from tests.bot.metrics.dataset import CHINA, case, conversation, coupon, refund, survey
from tests.servers import free_port

pytestmark = [pytest.mark.browser]

SECRET = "metrics-browser-secret-0123456789abcdef"
NASTY = "<img src=x onerror=alert(1)>鲜果"


class ConsoleServer:
    """The console channel served on loopback from a background thread."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        Sanic.test_mode = True
        app = Sanic(f"metrics_browser_{uuid.uuid4().hex}", configure_logging=False)
        channel = ConsoleInput(SECRET, RasaClient(f"http://127.0.0.1:{free_port()}", "unused",
                                                  timeout=1),
                               claim_timeout=timedelta(days=365))
        register([channel], app, "/webhooks/")
        server = await app.create_server(host="127.0.0.1", port=self.port,
                                         return_asyncio_server=True, access_log=False)
        await server.startup()
        await server.after_start()
        self._ready.set()
        while not self._stop.is_set():
            await asyncio.sleep(0.05)
        await server.before_stop()
        await server.close()
        await server.after_stop()

    def __enter__(self) -> "ConsoleServer":
        self._thread.start()
        assert self._ready.wait(30), "the console did not start"
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)


def _seed_recent(now: datetime) -> None:
    """Data in the default range (the last 14 days): conversations, cases with money and
    scores, and three quality incidents for one supplier within a week (an alert), whose
    name carries markup."""
    with unit_of_work() as session:
        session.scalars(select(Supplier).where(Supplier.code == "SUP01")).one().name = NASTY
        for days_ago, turns, escalated in ((6, 4, False), (5, 2, True), (4, 3, False),
                                           (3, 5, False), (2, 2, True), (1, 6, False)):
            conversation(session, now - timedelta(days=days_ago), user_turns=turns,
                         fallbacks=1, escalated=escalated, first_response_ms=900 + 100 * turns)
        for days_ago, reason in ((5, Reason.SPOILED), (3, Reason.DAMAGED), (1, Reason.MISSING)):
            row = case(session, "丹东草莓", reason, now - timedelta(days=days_ago),
                       CaseState.CLOSED, words="草莓坏了",
                       settled=[(CaseState.CLOSED, now - timedelta(days=days_ago, hours=-5))])
            refund(session, row, "29.90", now - timedelta(days=days_ago))
            coupon(session, row, "3.00", now - timedelta(days=days_ago))
        case(session, "东北大米", Reason.NO_REASON, now - timedelta(days=2), CaseState.APPROVED,
             resellable=True)
        for days_ago, score in ((4, 5), (3, 4), (2, 2), (1, 5)):
            survey(session, score, now - timedelta(days=days_ago))


@pytest.fixture
def console(app_db) -> Iterator[ConsoleServer]:
    _seed_recent(datetime.now(timezone.utc) - timedelta(hours=1))
    with ConsoleServer() as server:
        yield server


def _sign_in(page: Page, console: ConsoleServer, username: str, password: str) -> None:
    page.goto(f"{console.url}/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login")
    page.wait_for_url(f"{console.url}/console/")
    page.goto(f"{console.url}/console/metrics")


def _not_blank(png: bytes) -> tuple[int, float]:
    """Distinct colours and the share of pixels that are not (near) white."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = list(image.getdata())
    coloured = sum(1 for red, green, blue in pixels if min(red, green, blue) < 235)
    return len(set(pixels)), coloured / len(pixels)


def test_a_lead_sees_the_charts_follows_an_alert_and_exports(console, new_page) -> None:
    page = new_page()
    _sign_in(page, console, "lead1", "demo-lead-pass")
    volume = page.locator("[data-testid=chart][data-chart-id=volume] svg")
    expect(volume).to_be_visible()
    expect(volume.locator("[data-mark=point]").first).to_be_attached()
    for chart_id in ("handled", "rates", "reasons_product", "costs", "satisfaction"):
        marks = page.locator(f"[data-testid=chart][data-chart-id={chart_id}] svg [data-mark]")
        assert marks.count() > 0, chart_id
    expect(page.locator("[data-card=conversations] .card-value")).to_have_text("6")
    expect(page.locator("[data-card=escalation_rate] .card-value")).to_have_text("33.3%")
    expect(page.locator("[data-card=refunds] .card-value")).to_have_text("¥89.70")

    colours, coloured = _not_blank(page.screenshot(full_page=True))
    assert colours > 50 and coloured > 0.05, (colours, coloured)

    alert = page.locator("#alert-list a")
    expect(alert).to_contain_text(NASTY)
    expect(alert).to_contain_text("3 起质量问题")
    assert page.locator("#dashboard img").count() == 0
    alert.click()
    expect(page.locator("#supplier")).to_be_visible()
    expect(page.locator("#supplier-title")).to_contain_text(NASTY)
    expect(page.locator("#incidents tbody tr")).to_have_count(3)
    expect(page.locator("#supplier-loss")).to_contain_text("¥98.70")

    week = iso_week(datetime.now(CHINA).date())
    page.fill("#report-week", week)
    with page.expect_download() as download:
        page.click("#export")
    assert download.value.suggested_filename == f"supplier-report-{week}-SUP01.csv"
    with open(download.value.path(), "rb") as exported:
        assert exported.read().startswith("\ufeff供应商编码".encode("utf-8"))
    expect(page.locator("#export-message")).to_contain_text("已导出")


def test_reversed_dates_get_a_clear_message(console, new_page) -> None:
    page = new_page()
    _sign_in(page, console, "lead1", "demo-lead-pass")
    expect(page.locator("[data-testid=chart]").first).to_be_visible()
    page.fill("#from", "2026-11-20")
    page.fill("#to", "2026-11-10")
    page.click("#apply")
    expect(page.locator("#range-error")).to_have_text("开始日期不能晚于结束日期")


def test_a_period_without_data_says_so(console, new_page) -> None:
    page = new_page()
    _sign_in(page, console, "admin1", "demo-admin-pass")
    expect(page.locator("[data-testid=chart]").first).to_be_visible()
    page.fill("#from", "2024-01-01")
    page.fill("#to", "2024-01-07")
    page.click("#apply")
    empty = page.locator("[data-testid=chart][data-chart-id=volume] svg[data-empty=true]")
    expect(empty).to_contain_text("该时间段暂无数据")
    expect(page.locator("#suppliers-empty")).to_be_visible()


def test_an_agent_is_told_they_have_no_permission(console, new_page) -> None:
    page = new_page()
    _sign_in(page, console, "agent1", "demo-agent-pass")
    expect(page.locator("#page-error")).to_contain_text("没有权限查看数据看板")
    expect(page.locator("#dashboard")).to_be_hidden()
    assert page.locator("[data-testid=chart]").count() == 0
