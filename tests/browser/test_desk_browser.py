"""The agent desk in a real browser, against the real servers and a WeChat customer.

A customer on WeChat (the fake WeChat API on loopback) opens a return with a photo and
then loses patience; an agent, signed in to the desk in headless Chromium, sees the
escalation appear live, claims it, reads the summary and the photo, replies (the reply
arrives in the customer's WeChat), approves a partial refund and hands back; the bot
asks the customer for a score.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.db import (
    ChannelIdentity,
    FollowUp,
    FollowUpStatus,
    HandoffTicket,
    ReturnCase,
    SatisfactionSurvey,
    TicketStatus,
)
from bot.enums import CaseState
from channels.wechat_sim import WeChatUser
from tests.channels.fake_wechat import FakeWeChat, wechat_product
from tests.images import jpeg_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CUSTOMER = "o-desk-demo-1"
ANGRY = "你们这什么垃圾平台！！！草莓全烂了还让我等，我要打12315投诉你们！"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The product with WeChat on, agents always on duty, and demo-1's customer on WeChat."""
    fake = FakeWeChat()
    try:
        env = {"SERVICE_HOURS": "00:00-00:00", "HANDOFF_CLAIM_TIMEOUT": "3600"}
        with wechat_product(tmp_path_factory.mktemp("desk"), fake, None, env) as (product,
                                                                                settings):
            with product.session() as session, session.begin():
                demo_1 = session.scalars(select(ChannelIdentity).where(
                    ChannelIdentity.channel == "rest",
                    ChannelIdentity.external_id == "demo-1")).one()
                session.add(ChannelIdentity(channel="wechat", external_id=CUSTOMER,
                                            customer_id=demo_1.customer_id))
            yield product, settings, fake
    finally:
        fake.close()


def _customer(shop, openid: str = CUSTOMER) -> WeChatUser:
    product, settings, _ = shop
    return WeChatUser(f"{product.rasa_url}/webhooks/wechat/", openid, settings)


def _say(shop, user: WeChatUser, send, expect_text: str) -> list[str]:
    fake = shop[2]
    seen = len(fake.messages_to(user.openid))
    assert send() == (200, "success")
    return fake.wait_for_text(user.openid, expect_text, after=seen)


def _sign_in(page: Page, rasa_url: str, username: str, password: str) -> None:
    page.goto(f"{rasa_url}/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login")


def _open_case_and_lose_patience(shop, user: WeChatUser) -> str:
    fake = shop[2]
    _say(shop, user, lambda: user.send_text("草莓烂了"), "有问题的是多少")
    _say(shop, user, lambda: user.send_text("2盒"), "照片")
    media_id = fake.add_media(jpeg_bytes(), "image/jpeg")
    _say(shop, user, lambda: user.send_image(media_id, fake.media_url(media_id)), "原路退回")
    opened = "\n".join(_say(shop, user, lambda: user.send_text("1"), "已为您登记"))
    ref = re.search(r"R\d{4}", opened).group(0)
    _say(shop, user, lambda: user.send_text(ANGRY), "人工客服")
    return ref


def test_an_agent_takes_over_an_angry_customer_refunds_part_and_hands_back(shop, new_page):
    product, _, fake = shop
    user = _customer(shop)
    page = new_page()
    _sign_in(page, product.rasa_url, "agent1", "demo-agent-pass")
    expect(page.locator("#me-name")).to_have_text("客服小李")
    expect(page.locator("[data-testid=queue-row]")).to_have_count(0)

    ref = _open_case_and_lose_patience(shop, user)

    row = page.locator("[data-testid=queue-row]")
    expect(row).to_have_count(1)  # arrived live, without a reload
    row.click()
    page.click("#claim")
    expect(page.locator("#ticket-status")).to_contain_text("接手")
    summary = page.locator("#summary")
    expect(summary).to_contain_text("丹东草莓")
    expect(summary).to_contain_text(ref)
    photo = page.locator("img[data-testid=summary-photo]").first
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0"), "the photo loads"
    expect(page.locator("[data-testid=turn][data-kind=customer]").last).to_contain_text("12315")

    seen = len(fake.messages_to(CUSTOMER))
    page.fill("#reply-text", "您好，我是客服小李，非常抱歉！草莓的问题我马上为您处理。")
    page.click("#send-reply")
    fake.wait_for_text(CUSTOMER, "我是客服小李", after=seen)
    expect(page.locator("[data-testid=turn][data-kind=agent]").last).to_contain_text("客服小李")

    with product.session() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
    seen = len(fake.messages_to(CUSTOMER))
    page.fill(f"#case-{case.id}-approve-amount", "20")
    page.click(f"#case-{case.id}-approve")
    expect(page.locator("#case-message")).to_contain_text(ref)
    fake.wait_for_text(CUSTOMER, "部分退款", after=seen)
    with product.session() as session:
        case = session.get(ReturnCase, case.id)
        assert case.state is CaseState.REFUND_PENDING and str(case.refund_amount) == "20.00"

    seen = len(fake.messages_to(CUSTOMER))
    page.click("#handback")
    asked = fake.wait_for_text(CUSTOMER, "打个分", after=seen)
    assert any("由我为您服务" in text for text in asked)
    expect(row).to_have_count(0)

    _say(shop, user, lambda: user.send_text("5"), "谢谢您的评价")
    with product.session() as session:
        ticket = session.scalars(select(HandoffTicket).where(
            HandoffTicket.conversation_id == CUSTOMER)).one()
        survey = session.scalars(select(SatisfactionSurvey).where(
            SatisfactionSurvey.ticket_id == ticket.id)).one()
        assert ticket.status is TicketStatus.RETURNED and survey.score == 5


def test_an_unhappy_customer_appears_under_follow_ups_until_an_agent_calls_back(shop,
                                                                               new_page):
    product, _, fake = shop
    openid = "o-desk-unhappy"
    with product.session() as session, session.begin():
        demo_2 = session.scalars(select(ChannelIdentity).where(
            ChannelIdentity.channel == "rest", ChannelIdentity.external_id == "demo-2")).one()
        session.add(ChannelIdentity(channel="wechat", external_id=openid,
                                    customer_id=demo_2.customer_id))
    user = _customer(shop, openid)
    page = new_page()
    _sign_in(page, product.rasa_url, "agent1", "demo-agent-pass")
    expect(page.locator("#follow-ups-empty")).to_be_visible()
    _say(shop, user, lambda: user.send_text("转人工"), "人工客服")
    row = page.locator("[data-testid=queue-row]")
    expect(row).to_have_count(1)
    row.click()
    page.click("#claim")
    expect(page.locator("#handback")).to_be_visible()
    seen = len(fake.messages_to(openid))
    page.click("#handback")
    fake.wait_for_text(openid, "打个分", after=seen)

    _say(shop, user, lambda: user.send_text("1"), "回访")
    _say(shop, user, lambda: user.send_text("等了半小时才有人回"), "记下")

    item = page.locator("[data-testid=follow-up]")
    expect(item).to_have_count(1)  # arrived live, without a reload
    expect(item).to_contain_text("李建华 159****7742")
    expect(item.locator("[data-testid=follow-up-score]")).to_have_text("1 分")
    expect(item.locator("[data-testid=follow-up-comment]")).to_contain_text("等了半小时才有人回")
    expect(page.locator("#follow-up-count")).to_have_text("1")
    follow_up_id = item.get_attribute("data-follow-up-id")
    item.locator("[data-testid=follow-up-open]").click()
    expect(page.locator("#ticket-customer")).to_contain_text("李建华")
    expect(page.locator("#ticket-status")).to_have_text("已交还机器人")
    page.click(f"#follow-up-{follow_up_id}-done")
    expect(page.locator("#follow-up-message")).to_have_text("请先写下回访结果")
    page.fill(f"#follow-up-{follow_up_id}-outcome", "已电话致歉，顾客接受")
    page.click(f"#follow-up-{follow_up_id}-done")

    expect(page.locator("#follow-up-message")).to_contain_text("已标记回访")
    expect(item).to_have_count(0)
    expect(page.locator("#follow-up-count")).to_have_text("0")
    with product.session() as session:
        done = session.get(FollowUp, int(follow_up_id))
        assert done.status is FollowUpStatus.DONE and done.outcome == "已电话致歉，顾客接受"


def test_script_in_a_customer_message_is_shown_as_text_and_never_runs(shop, new_page):
    product, _, fake = shop
    user = _customer(shop, "o-desk-xss")
    payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    _say(shop, user, lambda: user.send_text("转人工"), "人工客服")
    assert user.send_text(payload) == (200, "success")
    page = new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _sign_in(page, product.rasa_url, "agent1", "demo-agent-pass")

    page.locator("[data-testid=queue-row]").first.click()

    turn = page.locator("[data-testid=turn][data-kind=customer]").last
    expect(turn).to_contain_text("<script>window.__xss=2</script>")
    assert page.evaluate("window.__xss") is None and dialogs == []
    assert page.locator("#transcript img:not([data-testid=photo])").count() == 0


def test_a_group_leader_account_cannot_use_the_desk(shop, new_page):
    product, _, _ = shop
    page = new_page()

    _sign_in(page, product.rasa_url, "leader1", "demo-leader-pass")

    expect(page.locator("#forbidden")).to_be_visible()
    expect(page.locator("[data-testid=queue-row]")).to_have_count(0)
