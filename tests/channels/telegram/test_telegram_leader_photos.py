"""A group leader's Telegram photo is handed on without the bot token, and stored photos
(a task card's) are sent as the picture itself."""
from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from bot.customers import identify
from bot.db import AuditEntry, Evidence, Leader, LeaderIdentity, OutboundMessage, PickupPoint
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.evidence import store_photo
from bot.messages import PHOTO_TURN_TEXT
from bot.messaging import Delivery
from channels.evidence_links import EvidenceLinks
from tests.channels.fake_telegram import SECRET, TOKEN, photo_update
from tests.images import jpeg_bytes

LEADER_CHAT = 7003
TOKEN_SECRET_PART = TOKEN.split(":", 1)[1]


@pytest.fixture
def leader_chat(app_db) -> int:
    with unit_of_work() as session:
        leader_id = session.scalars(select(Leader.id).join(PickupPoint)
                                   .where(PickupPoint.code == "PP01")).one()
        session.add(LeaderIdentity(leader_id=leader_id, channel="telegram",
                                   external_id=str(LEADER_CHAT), created_at=utcnow()))
    return LEADER_CHAT


def _photo_of_demo_1(app_db, picture: bytes) -> int:
    with unit_of_work() as session:
        customer_id = identify(session, "rest", "demo-1").id
        return store_photo(session, picture, customer_id=customer_id,
                           evidence_dir=app_db.data_dir / "evidence").id


async def test_a_leaders_photo_is_staged_and_the_token_is_nowhere(
        channel, rasa, fake_telegram, leader_chat, app_db, caplog):
    caplog.set_level(logging.INFO)
    fake_telegram.add_file("eggs", jpeg_bytes())

    status, _ = await channel.receive(json.dumps(photo_update(31, leader_chat, "eggs")).encode(),
                                      SECRET, rasa)
    await channel.wait_idle(10)

    assert status == 200
    [message] = rasa.messages
    assert message.text == PHOTO_TURN_TEXT and message.sender_id == str(leader_chat)
    assert set(message.metadata) == {"staged_photo", "telegram_update_id"}
    with app_db.session() as session:
        assert session.scalars(select(Evidence)).all() == [], "whose it is, the assistant decides"
        [staged] = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "evidence.staged")).all()
        assert staged.entity_id == message.metadata["staged_photo"]
        assert staged.detail["source"] == "telegram:u-eggs"
        stored = json.dumps([staged.detail, message.metadata])
    assert TOKEN_SECRET_PART not in stored
    assert "HTTP Request" in caplog.text, "the Bot API calls are still logged"
    assert TOKEN_SECRET_PART not in caplog.text
    assert [p.name for p in (app_db.data_dir / "evidence").rglob("*.jpg")] == \
        [staged.detail["path"].split("/")[-1]]


async def test_a_link_to_a_stored_photo_is_sent_as_the_picture(channel, fake_telegram, app_db):
    picture = jpeg_bytes(color=(240, 200, 40))
    evidence_id = _photo_of_demo_1(app_db, picture)
    link = EvidenceLinks.from_settings().link(evidence_id, utcnow())

    await channel.get_output_channel().send_response("42", {"text": "", "image": link})

    assert fake_telegram.photos(42) == [picture], "uploaded, never Telegram fetching our link"


async def test_other_addresses_and_forged_links_go_as_addresses(channel, fake_telegram, app_db):
    evidence_id = _photo_of_demo_1(app_db, jpeg_bytes())
    forged = f"http://127.0.0.1:5005/console/photos/{evidence_id}?expires=9999999999&sig=00"

    await channel.get_output_channel().send_image_url("42", forged)

    assert fake_telegram.photos(42) == [forged]


async def test_a_photo_no_longer_stored_is_undeliverable_and_the_chat_goes_on(
        channel, fake_telegram, app_db):
    evidence_id = _photo_of_demo_1(app_db, jpeg_bytes())
    link = EvidenceLinks.from_settings().link(evidence_id, utcnow())
    next((app_db.data_dir / "evidence").rglob("*.jpg")).unlink()
    output = channel.get_output_channel()

    await output.send_image_url("42", link)
    await output.send_text_message("42", "请核实")

    assert fake_telegram.photos(42) == [] and fake_telegram.texts(42) == ["请核实"]
    with app_db.session() as session:
        states = list(session.scalars(select(OutboundMessage.state).order_by(OutboundMessage.id)))
    assert states == [Delivery.UNDELIVERABLE.value, Delivery.DELIVERED.value]
