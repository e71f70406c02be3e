"""Handling through the inbox when something fails: a message is retried until the
assistant handles it (or apologised for once), a photo WeChat hands over late is fetched on a
retry, and a message another replica accepted and died on is taken over here."""
from __future__ import annotations

from datetime import timedelta

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select

from bot import messages as texts
from bot.db import Evidence, InboundMessage
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.db.tracker_store import UrlSQLTrackerStore
from bot.messaging import inbox
from channels.wechat.inbound import Inbound, Kind
from tests.channels.fake_wechat import MEDIA
from tests.channels.wechat.webhook_support import (
    BOUND,
    Assistant,
    _count,
    _outbox,
    _post,
    _user,
)
from tests.images import jpeg_bytes


async def test_a_message_the_assistant_fails_on_once_is_handled_on_the_next_attempt(
        hook, quick_retries):
    assistant = Assistant()
    calls = []

    async def flaky(message):
        calls.append(message.text)
        if len(calls) == 1:
            raise ConnectionError("Redis restarting")
        await assistant(message)

    answer = await _post(hook, flaky, _user(hook.settings).xml("text", Content="你好"))
    assert answer.status == 200 and calls == ["你好", "你好"]
    assert _outbox(BOUND) == ["收到：你好"], "answered once, no apology"
    assert _inbox_states() == ["done"]


async def test_a_message_failing_every_attempt_is_apologised_for_once(hook, quick_retries):
    calls = []

    async def broken(message):
        calls.append(message.text)
        raise RuntimeError("boom")

    answer = await _post(hook, broken, _user(hook.settings).xml("text", Content="你好"))
    assert answer.status == 200 and len(calls) == 3
    assert _outbox(BOUND) == [texts.TECHNICAL_PROBLEM]
    assert _inbox_states() == ["failed"]


async def test_a_photo_wechat_cannot_hand_over_yet_is_fetched_on_a_retry(
        hook, fake_wechat, quick_retries):
    assistant = Assistant()
    media_id = fake_wechat.add_media(jpeg_bytes(), "image/jpeg")
    fake_wechat.http_error(502, times=1, path=MEDIA)

    await _post(hook, assistant, _user(hook.settings).xml("image", MediaId=media_id))

    [turn] = assistant.turns
    assert turn.text == texts.PHOTO_TURN_TEXT and _count(Evidence) == 1
    assert texts.PHOTO_DOWNLOAD_FAILED not in _outbox(BOUND)


async def test_a_photo_wechat_never_hands_over_is_asked_for_again_once(
        hook, fake_wechat, quick_retries):
    assistant = Assistant()
    media_id = fake_wechat.add_media(jpeg_bytes(), "image/jpeg")
    fake_wechat.http_error(502, times=inbox.MAX_ATTEMPTS, path=MEDIA)

    await _post(hook, assistant, _user(hook.settings).xml("image", MediaId=media_id))

    assert assistant.turns == [] and _count(Evidence) == 0
    assert _outbox(BOUND) == [texts.PHOTO_DOWNLOAD_FAILED]
    assert _inbox_states() == ["failed"]


async def test_a_message_another_replica_acknowledged_and_died_on_is_handled_here(hook):
    """The other replica took the message into the inbox and died while handling it:
    once its lease runs out, this replica's worker handles it."""
    stale = utcnow() - inbox.LEASE - timedelta(seconds=5)
    inbound = Inbound(BOUND, "msg:9001", Kind.TEXT, "text", text="草莓烂了")
    with unit_of_work() as session:
        inbox.add(session, "wechat", BOUND, inbound.key, inbound.as_payload(), stale)
        inbox.claim_due(session, "wechat", stale)
    assert _inbox_states() == ["handling"]
    assistant = Assistant()

    hook.attach(assistant)
    await hook.drain()

    assert [t.text for t in assistant.turns] == ["草莓烂了"]
    assert assistant.turns[0].message_id == "msg:9001" and _inbox_states() == ["done"]


async def test_a_message_rasa_stored_before_the_crash_is_not_handled_twice(hook):
    stale = utcnow() - inbox.LEASE - timedelta(seconds=5)
    inbound = Inbound(BOUND, "msg:9002", Kind.TEXT, "text", text="草莓烂了")
    with unit_of_work() as session:
        inbox.add(session, "wechat", BOUND, inbound.key, inbound.as_payload(), stale)
        inbox.claim_due(session, "wechat", stale)
    await _stored_in_tracker(BOUND, "草莓烂了", "msg:9002")
    assistant = Assistant()

    hook.attach(assistant)
    await hook.drain()

    assert assistant.turns == [] and _inbox_states() == ["done"]


def _inbox_states() -> list[str]:
    with unit_of_work() as session:
        return list(session.scalars(select(InboundMessage.state).order_by(InboundMessage.id)))


async def _stored_in_tracker(sender: str, text: str, message_id: str) -> None:
    """Writes the customer's message as Rasa's SQL tracker store would have."""
    tracker = DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": "report_spoiled", "confidence": 0.9},
                    input_channel="wechat", message_id=message_id)])
    await UrlSQLTrackerStore(Domain.empty()).save(tracker)


async def test_a_message_the_database_cannot_record_is_refused_so_wechat_posts_it_again(
        hook, monkeypatch, caplog):
    from sqlalchemy.exc import OperationalError

    from channels.wechat import webhook as module

    recorded = module.first_time

    def database_locked(*args, **kwargs):
        raise OperationalError("INSERT INTO inbound_keys", {}, Exception("database is locked"))

    assistant = Assistant()
    user = _user(hook.settings)
    xml = user.xml("text", Content="草莓烂了")
    monkeypatch.setattr(module, "first_time", database_locked)

    refused = await _post(hook, assistant, xml, user)

    assert (refused.status, refused.body) == (500, "try again")
    assert assistant.turns == [] and _count(InboundMessage) == 0
    assert "not recorded; WeChat will retry" in caplog.text
    monkeypatch.setattr(module, "first_time", recorded)

    retried = await _post(hook, assistant, xml, user)

    assert retried.body == "success"
    assert [turn.text for turn in assistant.turns] == ["草莓烂了"]
