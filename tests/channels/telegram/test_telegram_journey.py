"""A whole return over the Telegram webhook against the real servers and a fake Bot API."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db import (
    ChannelIdentity,
    Evidence,
    InboundKey,
    LeaderIdentity,
    PickupPoint,
    ReturnCase,
)
from bot.db.base import utcnow
from bot.enums import CaseState
from tests.channels.fake_telegram import (
    TOKEN,
    FakeTelegram,
    FakeTelegramServer,
    callback_update,
    photo_update,
    text_update,
)
from tests.e2e.leader_cases import missing_item_with_a_photo
from tests.images import jpeg_bytes
from tests.servers import Product, running_product

pytestmark = pytest.mark.e2e

SECRET = "journey-secret"
CUSTOMER = 7001  # a Telegram user bound to demo-1
STRANGER = 7002  # a Telegram user bound to nobody
LEADER = 7003  # PP01's leader on Telegram (bound by the leader tests)
TOKEN_SECRET = TOKEN.split(":", 1)[1].encode()


class TelegramProduct:
    """The running product with the Telegram channel on, and the fake Bot API it uses."""

    def __init__(self, product: Product, fake: FakeTelegram) -> None:
        self.product, self.fake = product, fake
        self.update_id = 500

    def post(self, update: dict[str, Any], secret: str = SECRET) -> int:
        request = urllib.request.Request(
            f"{self.product.rasa_url}/webhooks/telegram/webhook", json.dumps(update).encode(),
            {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def next_id(self) -> int:
        self.update_id += 1
        return self.update_id

    def exchange(self, chat: int, update: dict[str, Any],
                 done: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
        """Posts ``update`` and waits until the replies since then satisfy ``done``."""
        before = len(self.fake.sent(chat))
        assert self.post(update) == 200
        self.fake.wait_until(lambda: done(self.fake.sent(chat)[before:]), timeout=60)
        return self.fake.sent(chat)[before:]


def _has(*words: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda sent: any(all(w in m["text"] for w in words) for m in sent)


def _button(sent: list[dict[str, Any]], label: str) -> str:
    for message in sent:
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if label in button["text"]:
                    return button["callback_data"]
    raise AssertionError(f"no button {label!r} in {sent}")


@pytest.fixture(scope="module")
def telegram(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelegramProduct]:
    server = FakeTelegramServer()
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET,
           "TELEGRAM_API_BASE_URL": server.base_url}
    try:
        with running_product(tmp_path_factory.mktemp("telegram"), env) as product:
            with product.session() as session, session.begin():
                customer_id = session.scalars(select(ChannelIdentity.customer_id).where(
                    ChannelIdentity.channel == "rest", ChannelIdentity.external_id == "demo-1")
                ).one()
                session.add(ChannelIdentity(channel="telegram", external_id=str(CUSTOMER),
                                            customer_id=customer_id))
            yield TelegramProduct(product, server.state)
    finally:
        server.close()


def test_a_return_with_a_photo_over_telegram_opens_a_case_with_the_evidence(telegram):
    greeting = telegram.exchange(CUSTOMER, text_update(telegram.next_id(), CUSTOMER, "/start"),
                                 lambda sent: len(sent) >= 1)
    assert greeting[0]["text"]

    telegram.exchange(CUSTOMER, text_update(telegram.next_id(), CUSTOMER, "草莓烂了"),
                      _has("丹东草莓", "2盒"))
    telegram.exchange(CUSTOMER, text_update(telegram.next_id(), CUSTOMER, "1盒"), _has("照片"))

    telegram.fake.add_file("straw-photo", jpeg_bytes())
    photo = photo_update(telegram.next_id(), CUSTOMER, "straw-photo")
    offered = telegram.exchange(CUSTOMER, photo, _has("原路退回"))
    assert _has("照片收到了")(offered)
    assert telegram.post(photo) == 200, "Telegram redelivers the same update"

    refund = _button(offered, "原路退回")
    closing = telegram.exchange(CUSTOMER, callback_update(telegram.next_id(), CUSTOMER, refund),
                                lambda sent: any(re.search(r"R\d{4}", m["text"]) for m in sent))

    ref = re.search(r"R\d{4}", "\n".join(m["text"] for m in closing)).group(0)
    with telegram.product.session() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
        assert case.state is CaseState.REFUND_PENDING and case.quantity_affected == 1
        [evidence] = session.scalars(select(Evidence).where(Evidence.case_id == case.id)).all()
        assert evidence.conversation_id == str(CUSTOMER)
        assert evidence.source_url == "telegram:u-straw-photo"
        assert session.scalar(select(func.count(Evidence.id)).where(
            Evidence.conversation_id == str(CUSTOMER))) == 1, "the redelivered photo is not stored twice"
        assert session.scalar(select(func.count(InboundKey.id)).where(
            InboundKey.channel == "telegram")) == telegram.update_id - 500
    assert (telegram.product.data_dir / "evidence" / evidence.path).exists()
    assert len(telegram.fake.calls_of("answerCallbackQuery")) >= 1


def test_a_stranger_reaches_the_assistant_and_is_told_politely(telegram):
    replies = telegram.exchange(STRANGER, text_update(telegram.next_id(), STRANGER, "鸡蛋碎了，退钱"),
                                lambda sent: len(sent) >= 1)

    assert replies[0]["text"]
    with telegram.product.session() as session:
        assert session.scalar(select(func.count(ReturnCase.id)).join(
            ChannelIdentity, ChannelIdentity.customer_id == ReturnCase.customer_id).where(
            ChannelIdentity.channel == "telegram", ChannelIdentity.external_id == str(STRANGER))
        ) == 0


def test_the_webhook_refuses_a_wrong_secret_and_bad_json(telegram):
    assert telegram.post(text_update(telegram.next_id(), CUSTOMER, "你好"), secret="nope") == 403
    request = urllib.request.Request(
        f"{telegram.product.rasa_url}/webhooks/telegram/webhook", b"{not json",
        {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400


@pytest.fixture(scope="module")
def leader(telegram: TelegramProduct) -> int:
    """PP01's leader, bound to Telegram user ``LEADER``."""
    with telegram.product.session() as session, session.begin():
        point = session.scalars(select(PickupPoint).where(PickupPoint.code == "PP01")).one()
        session.add(LeaderIdentity(leader_id=point.leader.id, channel="telegram",
                                   external_id=str(LEADER), created_at=utcnow()))
    return LEADER


def _texts(sent: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in sent)


def test_a_leaders_photo_lands_on_the_case_and_the_bot_token_is_nowhere(telegram, leader):
    summary = telegram.exchange(leader, text_update(telegram.next_id(), leader,
                                                    "小美：@团长\u2005鸡蛋碎了一盒"), _has("1. "))
    assert "土鸡蛋" in _texts(summary)
    confirmed = telegram.exchange(leader, text_update(telegram.next_id(), leader, "确认"),
                                  _has("已登记"))
    ref = re.search(r"R\d{4}", _texts(confirmed)).group(0)

    picture = jpeg_bytes(color=(250, 220, 60))
    telegram.fake.add_file("eggs-photo", picture)
    telegram.exchange(leader, photo_update(telegram.next_id(), leader, "eggs-photo"),
                      _has("照片已经加到", ref))

    product = telegram.product
    with product.session() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
        [photo] = session.scalars(select(Evidence).where(Evidence.case_id == case.id)).all()
        assert photo.customer_id == case.customer_id, "kept as the customer's evidence"
        assert photo.source_url == "telegram:u-eggs-photo"
    assert (product.data_dir / "evidence" / photo.path).read_bytes() == picture
    workdir = product.data_dir.parent
    written = [workdir / "rasa.log", workdir / "actions.log",
               *workdir.glob("bot.db*"), *(product.data_dir / "evidence").rglob("*")]
    assert all(TOKEN_SECRET not in path.read_bytes() for path in written if path.is_file())
    assert TOKEN_SECRET.decode() not in json.dumps(
        product.api(f"/conversations/{leader}/tracker")["events"])


def test_a_first_check_card_reaches_a_telegram_leader_with_the_photo(telegram, leader):
    picture = jpeg_bytes(color=(30, 90, 200))
    ref, _ = missing_item_with_a_photo(telegram.product, "demo-1", "光明鲜牛奶", picture)

    telegram.fake.wait_until(lambda: picture in telegram.fake.photos(leader), timeout=60)

    card = next(text for text in telegram.fake.texts(leader) if f"售后初审 {ref}" in text)
    assert "照片：1张" in card
