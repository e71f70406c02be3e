"""A group leader's WeChat photo (MediaId only, as WeChat often sends it) is fetched
through the media API and staged for the leader's assistant; a stored photo pushed to a
WeChat chat arrives as an image message."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import messages as texts
from bot.customers import identify
from bot.db import AuditEntry, Evidence, Leader, LeaderIdentity, OutboundMessage, PickupPoint
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.evidence import store_photo
from bot.messaging import Delivery
from channels.evidence_links import EvidenceLinks
from channels.wechat.client import ApiClient
from channels.wechat.delivery import deliver_due
from channels.wechat.outbound import WeChatOutput
from channels.wechat.webhook import WeChatWebhook
from channels.wechat_sim import WeChatUser
from tests.images import jpeg_bytes

LEADER = "oLeaderPP01"


class Assistant:
    """Stands in for Rasa's message handler: records the turns."""

    def __init__(self) -> None:
        self.turns = []

    async def __call__(self, message) -> None:
        self.turns.append(message)


@pytest.fixture
def hook(app_db, wechat_settings) -> WeChatWebhook:
    with unit_of_work() as session:
        leader_id = session.scalars(select(Leader.id).join(PickupPoint)
                                   .where(PickupPoint.code == "PP01")).one()
        session.add(LeaderIdentity(leader_id=leader_id, channel="wechat", external_id=LEADER,
                                   created_at=utcnow()))
    return WeChatWebhook(wechat_settings, ApiClient(wechat_settings, timeout=5), WeChatOutput())


async def _send_image(hook: WeChatWebhook, assistant: Assistant, **fields: str) -> None:
    user = WeChatUser("http://unused", LEADER, hook.settings)
    await hook.receive(*user.signed(user.xml("image", **fields)), assistant)
    await hook.drain()


def _photo_of_demo_1(app_db, picture: bytes) -> int:
    with unit_of_work() as session:
        customer_id = identify(session, "rest", "demo-1").id
        return store_photo(session, picture, customer_id=customer_id,
                           evidence_dir=app_db.data_dir / "evidence").id


async def test_a_leaders_mediaid_only_photo_is_fetched_and_staged(hook, fake_wechat, app_db):
    assistant = Assistant()
    picture = jpeg_bytes(color=(240, 200, 40))

    await _send_image(hook, assistant, MediaId=fake_wechat.add_media(picture, "image/jpeg"))

    [turn] = assistant.turns
    assert turn.text == texts.PHOTO_TURN_TEXT and list(turn.metadata) == ["staged_photo"]
    with app_db.session() as session:
        assert session.scalars(select(Evidence)).all() == []
        [staged] = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "evidence.staged")).all()
        assert (staged.actor, staged.entity_id) == (f"wechat:{LEADER}",
                                                     turn.metadata["staged_photo"])
        assert staged.detail["source"].startswith("wechat-media:")
    assert (app_db.data_dir / "evidence" / staged.detail["path"]).read_bytes() == picture


async def test_a_leaders_photo_that_cannot_be_fetched_is_explained(hook, fake_wechat):
    assistant = Assistant()

    await _send_image(hook, assistant, MediaId="gone")

    assert assistant.turns == []
    with unit_of_work() as session:
        [reply] = session.scalars(select(OutboundMessage).where(
            OutboundMessage.recipient == LEADER)).all()
        assert reply.payload["text"] == texts.PHOTO_DOWNLOAD_FAILED


async def test_a_link_to_a_stored_photo_arrives_as_an_image_message(app_db, fake_wechat,
                                                                      api_client):
    picture = jpeg_bytes(color=(240, 200, 40))
    link = EvidenceLinks.from_settings().link(_photo_of_demo_1(app_db, picture), utcnow())
    output = WeChatOutput()

    await output.send_response(LEADER, {"text": "📋 售后初审 R1001"})
    await output.send_response(LEADER, {"text": "", "image": link})
    report = deliver_due(api_client)

    assert report.delivered == 2
    assert fake_wechat.messages_to(LEADER) == ["📋 售后初审 R1001"]
    assert fake_wechat.images_to(LEADER) == [picture], "uploaded, then sent as an image"


async def test_an_expired_token_while_uploading_is_refreshed(app_db, fake_wechat, api_client):
    link = EvidenceLinks.from_settings().link(_photo_of_demo_1(app_db, jpeg_bytes()), utcnow())
    await WeChatOutput().send_image_url(LEADER, link)
    deliver_due(api_client)
    assert len(fake_wechat.images_to(LEADER)) == 1
    fake_wechat.expire_token_once(40001, path="/cgi-bin/media/upload")
    await WeChatOutput().send_image_url(LEADER, link)

    assert deliver_due(api_client).delivered == 1
    assert len(fake_wechat.images_to(LEADER)) == 2 and fake_wechat.tokens_issued == 2


async def test_a_photo_no_longer_stored_is_undeliverable_and_the_chat_goes_on(
        app_db, fake_wechat, api_client):
    link = EvidenceLinks.from_settings().link(_photo_of_demo_1(app_db, jpeg_bytes()), utcnow())
    next((app_db.data_dir / "evidence").rglob("*.jpg")).unlink()
    output = WeChatOutput()

    await output.send_image_url(LEADER, link)
    await output.send_text_message(LEADER, "请核实")
    deliver_due(api_client)

    assert fake_wechat.images_to(LEADER) == [] and fake_wechat.messages_to(LEADER) == ["请核实"]
    with unit_of_work() as session:
        states = list(session.scalars(select(OutboundMessage.state).order_by(OutboundMessage.id)))
    assert states == [Delivery.UNDELIVERABLE.value, Delivery.DELIVERED.value]
