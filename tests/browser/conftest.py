"""Headless Chromium (Debian's package) driven by Playwright against the running product.

The browser is the system's ``chromium`` (``make setup`` installs it); Playwright never
downloads one. Without it these tests fail, they are not skipped. A failing test leaves
a full-page screenshot in ``test-artifacts/``.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bot.settings import ROOT

ARTIFACTS = ROOT / "test-artifacts"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Module-scoped: Playwright's sync API runs an event loop in this thread until it
    stops, and the asyncio tests of later modules need the thread free again."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run `make setup`")
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        browser = playwright.chromium.launch(executable_path=executable,
                                             args=["--no-sandbox"])
        yield browser
        browser.close()


def _screenshot_name(item: pytest.Item) -> str:
    return re.sub(r"[^\w.-]+", "_", item.nodeid)[-150:] + ".png"


@pytest.fixture
def new_page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator:
    """Opens pages in fresh browser contexts (one per signed-in person)."""
    pages: list[Page] = []

    def open_page() -> Page:
        context = chromium.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        pages.append(page)
        return page

    yield open_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for index, page in enumerate(pages):
            path: Path = ARTIFACTS / f"{index}-{_screenshot_name(request.node)}"
            page.screenshot(path=str(path), full_page=True)
    for page in pages:
        page.context.close()
