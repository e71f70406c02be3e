"""A first-check card reaches the leader with the case's photos, as signed links the Rasa
server opens only while they are valid."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import aiohttp
from sqlalchemy import select

from bot.cases import ClaimDraft, open_case
from bot.customers import identify
from bot.db import Evidence, LeaderTask
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.enums import Reason
from bot.evidence import store_photo
from bot.messaging.rasa_api import RasaClient
from bot.policy import load_policy
from channels.console.leader_tasks import LeaderTaskWatcher
from channels.evidence_links import EvidenceLinks
from tests.actions.lookups import line_id
from tests.channels.console.conftest import RASA_TOKEN, SECRET
from tests.images import jpeg_bytes

PICTURE = jpeg_bytes(color=(240, 200, 40))


def _missing_strawberries_with_a_photo(app_db, now) -> tuple[str, int]:
    with unit_of_work() as session:
        customer_id = identify(session, "rest", "demo-1").id
        draft = ClaimDraft(customer_id=customer_id, line_id=line_id("demo-1", "丹东草莓"),
                           reason=Reason.MISSING, quantity_affected=Decimal(1))
        case = open_case(session, draft, now, load_policy(), "customer:test").case
        evidence_id = store_photo(session, PICTURE, customer_id=customer_id,
                                  evidence_dir=app_db.data_dir / "evidence").id
        session.get(Evidence, evidence_id).case_id = case.id
        return case.ref, evidence_id


def _watcher(fake_rasa, at, base_url: str) -> LeaderTaskWatcher:
    return LeaderTaskWatcher(RasaClient(fake_rasa.url, RASA_TOKEN, timeout=5), lambda: at,
                             load_policy, links=EvidenceLinks(SECRET, base_url))


def _events_to(fake_rasa, conversation_id: str) -> list[dict]:
    return [call.body[0] for call in fake_rasa.of("events")
            if call.conversation_id == conversation_id]


async def _get(url: str) -> tuple[int, bytes, str]:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        return response.status, await response.read(), response.content_type


async def test_the_card_comes_with_the_cases_photo_which_the_link_opens(
        app_db, fake_rasa, desk):
    opened = utcnow()
    ref, evidence_id = _missing_strawberries_with_a_photo(app_db, opened)

    await _watcher(fake_rasa, opened, desk.url).check_once()

    card, photo = _events_to(fake_rasa, "leader-1")
    assert ref in card["text"] and "照片：1张" in card["text"]
    assert photo["text"] == "" and photo["metadata"]["evidence_id"] == evidence_id
    link = photo["data"]["image"]
    assert link.startswith(f"{desk.url}/console/photos/{evidence_id}?")
    assert await _get(link) == (200, PICTURE, "image/jpeg")


async def test_a_bad_or_expired_link_opens_nothing(app_db, desk):
    _, evidence_id = _missing_strawberries_with_a_photo(app_db, utcnow())
    links = EvidenceLinks(SECRET, desk.url)
    good = links.link(evidence_id, utcnow())

    assert (await _get(good.replace("sig=", "sig=0")))[0] == 403
    assert (await _get(good.replace(f"/photos/{evidence_id}?",
                                    f"/photos/{evidence_id + 1}?")))[0] == 403
    assert (await _get(good.split("?")[0]))[0] == 403
    expired = links.link(evidence_id, utcnow() - timedelta(hours=25))
    assert (await _get(expired))[0] == 403
    other_secret = EvidenceLinks("another-secret-0123456789abcdef", desk.url)
    assert (await _get(other_secret.link(evidence_id, utcnow())))[0] == 403
    assert (await _get(f"{desk.url}/console/photos/"))[0] == 404, "nothing is listed"
    next((app_db.data_dir / "evidence").rglob("*.jpg")).unlink()
    assert (await _get(good))[0] == 404


async def test_a_photo_that_cannot_be_sent_does_not_hold_back_the_card(
        app_db, fake_rasa, desk):
    opened = utcnow()
    ref, _ = _missing_strawberries_with_a_photo(app_db, opened)
    fake_rasa.refusing_images = True

    done = await _watcher(fake_rasa, opened, desk.url).check_once()
    again = await _watcher(fake_rasa, opened + timedelta(minutes=1), desk.url).check_once()

    [card] = _events_to(fake_rasa, "leader-1")
    assert ref in card["text"]
    assert done["notified"] and not again["notified"], "the card is not sent again"
    with unit_of_work() as session:
        assert session.scalars(select(LeaderTask.notified_at)).one() is not None
