"""A support lead reviews real conversations in headless Chromium: filters the list,
opens a transcript with personal data masked, reveals it (audited), marks a misunderstood
message with the right intent and downloads the reviewed examples, which Rasa loads."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from rasa.shared.nlu.training_data.loading import load_data
from sqlalchemy import select

from bot.db import AuditEntry
from tests.servers import Product, running_product

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = "13816624571"
COMPLAINT = f"草莓烂了好几个，有事打我电话{PHONE}"


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    with running_product(tmp_path_factory.mktemp("review")) as running:
        running.say("demo-1", COMPLAINT)
        running.say("demo-2", "我的订单到哪了")
        yield running


def _sign_in(page: Page, product: Product, username: str, password: str) -> None:
    page.goto(f"{product.rasa_url}/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login")
    page.wait_for_url(f"{product.rasa_url}/console/")


def _search(page: Page, text: str) -> None:
    """Filters by text until the indexer has caught up with the conversation (it leaves
    the newest two seconds of events for its next run)."""
    page.fill("#f-q", text)
    deadline = time.monotonic() + 15
    rows = page.locator("[data-testid=conversation-row]")
    while True:
        page.click("#apply-filters")
        page.wait_for_timeout(500)
        if rows.count() > 0 or time.monotonic() > deadline:
            break
    expect(rows).to_have_count(1)


def test_a_lead_marks_a_misunderstood_message_and_exports_it(product, new_page, tmp_path):
    page = new_page()
    _sign_in(page, product, "lead1", "demo-lead-pass")
    page.click("#console-nav >> text=会话审阅")  # leads find the review from the desk
    page.wait_for_url(f"{product.rasa_url}/console/review")
    expect(page.locator("#me-name")).to_have_text("客服主管老陈")

    _search(page, "草莓")
    row = page.locator("[data-testid=conversation-row]")
    expect(row).to_contain_text("138****4571")
    row.click()

    panel = page.locator("#transcript-panel")
    customer = page.locator("[data-testid=item][data-kind=customer]").first
    expect(customer).to_contain_text("138****4571")
    expect(customer.locator("[data-testid=intent]")).to_contain_text("意图")
    assert PHONE not in panel.inner_text(), "the phone number is masked by default"
    expect(page.locator("[data-testid=item][data-kind=bot]").first).to_be_visible()

    page.click("#reveal")
    expect(customer).to_contain_text(PHONE)
    with product.session() as session:
        assert session.scalars(select(AuditEntry.action).where(
            AuditEntry.action == "review.personal_data_revealed")).all()

    customer.locator("[data-testid=mark-wrong]").click()
    customer.locator("[data-testid=correct-intent]").select_option("urge_case")
    customer.locator("[data-testid=save-correction]").click()
    expect(page.locator("[data-testid=annotation][data-kind=wrong_intent]")).to_contain_text(
        "催办")

    with page.expect_download() as download:
        page.click("#export-nlu")
    path = tmp_path / "reviewed.yml"
    download.value.save_as(path)
    examples = {(m.get("text"), m.get("intent")) for m in load_data(str(path)).training_examples}
    assert examples == {(COMPLAINT, "urge_case")}


def test_an_agent_is_told_the_page_is_not_theirs(product, new_page):
    page = new_page()
    _sign_in(page, product, "agent1", "demo-agent-pass")
    expect(page.locator("#me-name")).to_have_text("客服小李")
    expect(page.locator("#console-nav")).to_be_hidden()  # no links to pages not theirs
    page.goto(f"{product.rasa_url}/console/review")
    expect(page.locator("#forbidden")).to_be_visible()
    expect(page.locator("#review")).to_be_hidden()


def test_a_bad_date_range_gets_a_clear_message(product, new_page):
    page = new_page()
    _sign_in(page, product, "lead1", "demo-lead-pass")
    page.goto(f"{product.rasa_url}/console/review")
    page.fill("#f-from", "2026-11-20")
    page.fill("#f-to", "2026-11-01")
    page.click("#apply-filters")
    expect(page.locator("#review-error")).to_have_text("开始日期不能晚于结束日期")
