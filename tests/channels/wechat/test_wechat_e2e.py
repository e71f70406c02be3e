"""The WeChat channel on the real servers: verification, retries, a whole return
conversation ending in a case with the photo, delivery records, and safe mode.

The servers run with an AES key, as an account in compatible mode: WeChat then posts
encrypted messages (``encrypt_type=aes``), and signed plaintext is accepted too.
"""
from __future__ import annotations

import dataclasses
import re
import time

import pytest
from sqlalchemy import select

from bot import messages as texts
from bot.db import (
    ChannelIdentity,
    Evidence,
    LeaderIdentity,
    OutboundMessage,
    PickupPoint,
    ReturnCase,
)
from bot.db.base import utcnow
from bot.messaging import undeliverable_for
from channels.wechat_sim import WeChatUser
from tests.channels.fake_wechat import FakeWeChat, wechat_product
from tests.e2e.leader_cases import missing_item_with_a_photo
from tests.images import jpeg_bytes

pytestmark = pytest.mark.e2e
BOUND = "o-e2e-demo-1"
AES_KEY = "c2hlcXUtYWZ0ZXJzYWxlcy13ZWNoYXQtdGVzdC1rZXk"


@pytest.fixture(scope="module")
def wechat(tmp_path_factory):
    fake = FakeWeChat()
    try:
        with wechat_product(tmp_path_factory.mktemp("wechat"), fake, AES_KEY) as (product,
                                                                          settings):
            with product.session() as session, session.begin():
                demo_1 = session.scalars(select(ChannelIdentity).where(
                    ChannelIdentity.channel == "rest", ChannelIdentity.external_id == "demo-1")).one()
                session.add(ChannelIdentity(channel="wechat", external_id=BOUND,
                                            customer_id=demo_1.customer_id))
            yield product, settings, fake
    finally:
        fake.close()


def _user(wechat, openid: str, encrypted: bool = False) -> WeChatUser:
    product, settings, _ = wechat
    return WeChatUser(f"{product.rasa_url}/webhooks/wechat/", openid, settings, encrypted)


def _tracker_user_turns(product, openid: str) -> list[str]:
    events = product.api(f"/conversations/{openid}/tracker")["events"]
    return [e.get("text") for e in events if e["event"] == "user"]


def test_verification_and_refusals(wechat):
    user = _user(wechat, "o-e2e-verify")
    assert user.verify("echo-4711") == (200, "echo-4711")
    user.settings = dataclasses.replace(user.settings, token="wrong")
    assert user.verify("echo-4711")[0] == 403
    assert user.send_text("你好")[0] == 403


def test_a_replayed_nonce_and_bad_bodies_are_refused(wechat):
    user = _user(wechat, "o-e2e-replay")
    query_body = user.signed(user.xml("text", Content="你好"), nonce="4242")
    status, _ = user.call("POST", *query_body)
    assert status == 200
    assert user.call("POST", *query_body)[0] == 403
    assert user.post(b"<xml><unclosed>")[0] == 400
    bomb = b'<!DOCTYPE x [<!ENTITY a "&a;&a;">]><xml><Content>&a;</Content></xml>'
    assert user.post(bomb)[0] == 400
    assert user.post(b"<xml>" + b"x" * 70000 + b"</xml>")[0] == 413


def test_the_same_msgid_three_times_is_one_turn_and_one_reply(wechat):
    product, _, fake = wechat
    user = _user(wechat, "o-e2e-retry")

    answers = [user.send_text("你好", msg_id=9_000_001) for _ in range(3)]

    assert answers == [(200, "success")] * 3
    [greeting] = fake.wait_for(user.openid, 1)
    time.sleep(1.0)
    assert fake.messages_to(user.openid) == [greeting]
    assert _tracker_user_turns(product, user.openid) == ["你好"]


def test_output_channel_latest_reaches_wechat(wechat):
    product, _, fake = wechat
    user = _user(wechat, "o-e2e-latest")
    user.send_text("你好")
    before = len(fake.wait_for(user.openid, 1))
    product.api(f"/conversations/{user.openid}/trigger_intent?output_channel=latest",
                {"name": "greet"})
    assert len(fake.wait_for(user.openid, before + 1)) == before + 1


def test_a_whole_return_over_wechat_ends_in_a_case_with_the_photo(wechat):
    product, _, fake = wechat
    user = _user(wechat, BOUND)

    def say(send, expect: str) -> list[str]:
        seen = len(fake.messages_to(BOUND))
        assert send() == (200, "success")
        return fake.wait_for_text(BOUND, expect, after=seen)

    assert any("2盒" in t for t in say(lambda: user.send_text("草莓烂了"), "有问题的是多少"))
    say(lambda: user.send_text("1盒"), "照片")
    media_id = fake.add_media(jpeg_bytes(), "image/jpeg")
    asked = say(lambda: user.send_image(media_id, fake.media_url(media_id)), "原路退回")
    assert any("照片收到了" in t for t in asked)
    seen = len(fake.messages_to(BOUND))
    for _ in range(3):  # WeChat retrying the last answer: one case, one confirmation
        assert user.send_text("1", msg_id=9_000_100) == (200, "success")
    closing = "\n".join(fake.wait_for_text(BOUND, "已为您登记", after=seen))
    ref = re.search(r"R\d{4}", closing).group(0)
    time.sleep(1.0)
    assert sum("已为您登记" in t for t in fake.messages_to(BOUND)[seen:]) == 1

    with product.session() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
        assert case.order_line.product.name == "丹东草莓" and case.quantity_affected == 1
        [photo] = session.scalars(select(Evidence).where(Evidence.case_id == case.id)).all()
        assert photo.customer_id == case.customer_id and photo.conversation_id == BOUND
        assert (product.data_dir / "evidence" / photo.path).read_bytes() == jpeg_bytes()
        assert len(session.scalars(select(ReturnCase).where(
            ReturnCase.order_line_id == case.order_line_id)).all()) == 1


def test_a_stranger_is_answered_and_asked_to_bind_before_a_photo(wechat):
    _, _, fake = wechat
    user = _user(wechat, "o-e2e-stranger")
    user.send_text("草莓烂了")
    assert fake.wait_for(user.openid, 1)
    seen = len(fake.messages_to(user.openid))
    user.send_image(fake.add_media(jpeg_bytes()))
    assert texts.BIND_FIRST in fake.wait_for_text(user.openid, "绑定", after=seen)


def test_a_closed_window_is_recorded_as_undeliverable(wechat):
    product, _, fake = wechat
    user = _user(wechat, "o-e2e-window")
    fake.refuse(45015)

    user.send_event("subscribe")

    deadline, records = time.monotonic() + 30, []
    while not records and time.monotonic() < deadline:
        time.sleep(0.2)
        with product.session() as session:
            records = undeliverable_for(session, user.openid)
    assert len(records) == 1 and fake.messages_to(user.openid) == []
    with product.session() as session:
        assert "45015" in session.get(OutboundMessage, records[0].id).last_error


def test_encrypted_messages_are_answered(wechat):
    _, _, fake = wechat
    user = _user(wechat, "o-e2e-aes", encrypted=True)
    query, body = user.signed(user.xml("event", Event="subscribe"))
    assert b"<Encrypt>" in body and query["encrypt_type"] == "aes"

    assert user.call("POST", query, body) == (200, "success")
    [welcome] = fake.wait_for(user.openid, 1)
    assert "售后" in welcome
    assert user.send_text("水果能退吗") == (200, "success")
    assert len(fake.wait_for(user.openid, 2)) >= 2

    query, body = user.signed(user.xml("text", Content="你好"))
    assert user.call("POST", {**query, "msg_signature": "0" * 40}, body)[0] == 403


def _bind_leader(product, openid: str) -> None:
    """Binds ``openid`` to PP01's leader."""
    with product.session() as session, session.begin():
        point = session.scalars(select(PickupPoint).where(PickupPoint.code == "PP01")).one()
        session.add(LeaderIdentity(leader_id=point.leader.id, channel="wechat",
                                   external_id=openid, created_at=utcnow()))


def test_a_leader_forwards_over_wechat_and_a_mediaid_only_photo_lands_on_the_case(wechat):
    product, _, fake = wechat
    leader = _user(wechat, "o-e2e-leader")
    _bind_leader(product, leader.openid)

    def say(send, expect: str) -> str:
        seen = len(fake.messages_to(leader.openid))
        assert send() == (200, "success")
        return "\n".join(fake.wait_for_text(leader.openid, expect, after=seen))

    assert "土鸡蛋" in say(lambda: leader.send_text("小美：@团长\u2005鸡蛋碎了一盒"), "1. ")
    ref = re.search(r"R\d{4}", say(lambda: leader.send_text("确认"), "已登记")).group(0)
    picture = jpeg_bytes(color=(240, 200, 40))
    media_id = fake.add_media(picture, "image/jpeg")
    attached = say(lambda: leader.send_image(media_id), "照片已经加到")
    assert f"照片已经加到 {ref}" in attached

    with product.session() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
        [photo] = session.scalars(select(Evidence).where(Evidence.case_id == case.id)).all()
        assert photo.customer_id == case.customer_id, "kept as the customer's evidence"
        assert photo.source_url == f"wechat-media:{media_id}"
    assert (product.data_dir / "evidence" / photo.path).read_bytes() == picture


def test_a_first_check_card_reaches_a_wechat_leader_with_the_photo(wechat):
    product, _, fake = wechat
    leader = _user(wechat, "o-e2e-leader-cards")
    _bind_leader(product, leader.openid)
    picture = jpeg_bytes(color=(30, 90, 200))

    ref, _ = missing_item_with_a_photo(product, "demo-1", "光明鲜牛奶", picture)

    deadline = time.monotonic() + 60
    while picture not in fake.images_to(leader.openid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert picture in fake.images_to(leader.openid), "the photo arrives as an image message"
    card = next(t for t in fake.messages_to(leader.openid) if f"售后初审 {ref}" in t)
    assert "照片：1张" in card
