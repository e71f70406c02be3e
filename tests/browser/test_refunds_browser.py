"""待人工退款 in a real browser: with WeChat Pay off, an approved refund waits at the desk;
an agent pays it by hand, enters the amount and the voucher, and the customer hears it."""
from __future__ import annotations

import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bot.cases import ClaimDraft, open_case
from bot.cases.review import approve
from bot.customers import identify
from bot.db import Refund
from bot.db.base import utcnow
from bot.enums import Reason, Resolution
from bot.orders import recent_lines
from bot.policy import load_policy
from tests.servers import running_product

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    with running_product(tmp_path_factory.mktemp("refund-desk")) as running:
        yield running


def _approved_refund(product) -> tuple[str, int]:
    """demo-1's eggs went missing; an agent approved ¥32.80 back to WeChat: it waits for a
    person, since WeChat Pay is not configured."""
    now = utcnow()
    with product.session() as session, session.begin():
        customer = identify(session, "rest", "demo-1")
        line = next(item for item in recent_lines(session, customer.id, now)
                    if item.product_name == "土鸡蛋")
        draft = ClaimDraft(customer.id, line.line_id, Reason.MISSING, Decimal("1"),
                           resolution=Resolution.REFUND_ORIGINAL, conversation_id="demo-1")
        case = open_case(session, draft, now, load_policy(), "customer:test").case
        approve(session, case.id, actor="staff:1", now=now)
        refund = session.scalars(select(Refund).where(Refund.case_id == case.id)).one()
        assert refund.state == "manual"
        return case.ref, refund.id


def _bot_texts(product, sender: str) -> list[str]:
    tracker = product.api(f"/conversations/{sender}/tracker")
    return [e.get("text") or "" for e in tracker["events"] if e.get("event") == "bot"]


def test_an_agent_pays_a_waiting_refund_by_hand_and_the_customer_hears(product, new_page):
    ref, refund_id = _approved_refund(product)
    page = new_page()
    page.goto(f"{product.rasa_url}/console/login")
    page.fill("#username", "agent1")
    page.fill("#password", "demo-agent-pass")
    page.click("#login")

    item = page.locator("[data-testid=manual-refund]")
    expect(page.locator("#manual-refund-panel")).to_be_visible()
    expect(item).to_have_count(1)
    expect(page.locator("#manual-refund-count")).to_have_text("1")
    expect(item).to_contain_text("王小美")
    expect(item).to_contain_text(f"售后单 {ref}")
    expect(item.locator("[data-testid=manual-refund-amount]")).to_have_text("¥32.80")
    expect(item.locator("[data-testid=manual-refund-reason]")).to_contain_text("未接入微信支付")

    page.click(f"#refund-{refund_id}-paid")
    expect(page.locator("#manual-refund-message")).to_have_text("请填写实退金额和退款凭证")
    page.fill(f"#refund-{refund_id}-amount", "23.80")
    page.fill(f"#refund-{refund_id}-note", "微信转账 流水 4200001111")
    page.click(f"#refund-{refund_id}-paid")
    expect(page.locator("#manual-refund-message")).to_contain_text("不一致")
    expect(item).to_have_count(1)
    page.fill(f"#refund-{refund_id}-amount", "32.80")
    page.click(f"#refund-{refund_id}-paid")

    expect(page.locator("#manual-refund-message")).to_contain_text("已标记线下退款")
    expect(item).to_have_count(0)
    expect(page.locator("#manual-refunds-empty")).to_be_visible()
    with product.session() as session:
        refund = session.get(Refund, refund_id)
        assert (refund.state, refund.manual_note) == ("succeeded", "微信转账 流水 4200001111")
    news = f"您的售后单 {ref} 的退款 ¥32.80 已由工作人员人工退给您，请留意查收～"
    deadline = time.monotonic() + 30
    while news not in _bot_texts(product, "demo-1"):
        assert time.monotonic() < deadline, "the payout job tells the customer"
        time.sleep(0.5)


def test_a_leader_account_does_not_see_the_list(product, new_page):
    page = new_page()
    page.goto(f"{product.rasa_url}/console/login")
    page.fill("#username", "leader1")
    page.fill("#password", "demo-leader-pass")
    page.click("#login")
    expect(page.locator("#forbidden")).to_be_visible()
    expect(page.locator("#manual-refund-panel")).to_be_hidden()
