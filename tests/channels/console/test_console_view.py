"""The conversation view: summary, transcript with photos, orders, cases, notes, photos
served only to staff, and messages that could not be delivered."""
from __future__ import annotations

from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.evidence import store_photo
from bot.messaging import enqueue, mark_undeliverable
from tests.channels.console.conftest import customer_of, open_handoff, read_events
from tests.images import jpeg_bytes, png_bytes


def stored_photo(app_db, conversation_id: str, data: bytes, source_url: str | None = None) -> int:
    with unit_of_work() as session:
        return store_photo(session, data, customer_id=customer_of(conversation_id),
                           evidence_dir=app_db.data_dir / "evidence",
                           conversation_id=conversation_id, source_url=source_url).id


def undeliverable(recipient: str, text: str) -> int:
    with unit_of_work() as session:
        message = enqueue(session, "wechat", recipient, {"msgtype": "text", "text": text},
                          utcnow())
        mark_undeliverable(session, message.id, "45015: customer-service window closed")
        return message.id


async def test_the_view_shows_summary_transcript_orders_cases_and_notes(
        app_db, desk, agent, fake_rasa):
    photo = stored_photo(app_db, "demo-1", png_bytes())
    linked = stored_photo(app_db, "demo-1", jpeg_bytes(), "http://img.example/berry.jpg")
    ticket_id = open_handoff(evidence_ids=(photo,), anger=0.7)
    fake_rasa.customer_says("demo-1", "草莓烂了", intent="report_spoiled", confidence=0.95)
    fake_rasa.bot_says("demo-1", "很抱歉！请拍张照片")
    fake_rasa.customer_says("demo-1", "[图片]", intent="nlu_fallback", confidence=0.3,
                            metadata={"evidence_id": photo})
    fake_rasa.customer_says("demo-1", "http://img.example/berry.jpg", intent="nlu_fallback",
                            confidence=0.2)
    fake_rasa.customer_says("demo-1", "你们太过分了！！", intent="complain_leader", anger=0.88)
    fake_rasa.add("demo-1", {"event": "pause"})

    view = await agent.get(f"/console/api/tickets/{ticket_id}")

    assert view.status == 200
    body = view.body
    assert body["ticket"]["id"] == ticket_id and body["ticket"]["open"] is True
    assert body["ticket"]["conversation_id"] == "demo-1"
    summary = body["summary"]
    assert summary["customer"]["name"] == "王小美" and summary["photos"] == [photo]
    assert summary["order_line"]["product"] == "丹东草莓" and summary["anger"] == 0.7
    assert body["customer"]["phone_tail"] == "4571" and body["customer"]["phone"] is None
    transcript = body["transcript"]
    assert transcript["available"] is True and transcript["paused"] is True
    kinds = [(t["kind"], t["misunderstood"], t["evidence_id"]) for t in transcript["turns"]]
    assert kinds == [("customer", False, None), ("bot", False, None),
                     ("customer", True, photo), ("customer", True, linked),
                     ("customer", False, None), ("marker", False, None)]
    assert transcript["turns"][4]["anger"] == 0.88
    assert "丹东草莓" in [o["product"] for o in body["orders"]]
    assert body["cases"] == []
    assert body["notes"] == [] and body["undeliverable"] == []
    assert len(body["quick_replies"]) >= 3
    assert {r["value"] for r in body["resolutions"]} == {"refund_original", "refund_balance",
                                                           "coupon", "exchange"}


async def test_the_view_still_opens_when_rasa_is_down(desk, agent, fake_rasa):
    ticket_id = open_handoff()
    fake_rasa.failing = True

    view = await agent.get(f"/console/api/tickets/{ticket_id}")

    assert view.status == 200 and view.body["summary"]["customer"]["name"] == "王小美"
    assert view.body["transcript"]["available"] is False


async def test_a_photo_is_served_to_staff_for_the_tickets_customer_only(app_db, desk, agent):
    data = png_bytes()
    photo = stored_photo(app_db, "demo-1", data)
    strangers_photo = stored_photo(app_db, "demo-2", png_bytes(color=(1, 2, 3)))
    ticket_id = open_handoff(evidence_ids=(photo,))
    other_ticket = open_handoff("demo-2", product=None)

    answer = await agent.http.get(f"{desk.url}/console/api/evidence/{photo}?ticket={ticket_id}")
    async with answer as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert await response.read() == data

    for path in [f"/console/api/evidence/{strangers_photo}?ticket={ticket_id}",
                 f"/console/api/evidence/{photo}?ticket={other_ticket}",
                 f"/console/api/evidence/{photo}",
                 f"/console/api/evidence/{photo}?ticket=abc",
                 f"/console/api/evidence/9999?ticket={ticket_id}"]:
        refused = await agent.get(path)
        assert refused.status in (400, 404), path
    assert (await desk.browser().get(
        f"/console/api/evidence/{photo}?ticket={ticket_id}")).status == 401


async def test_undeliverable_messages_come_with_the_number_to_call(desk, agent):
    ticket_id = open_handoff()
    undeliverable("demo-1", "您好，我是客服小李")

    view = await agent.get(f"/console/api/tickets/{ticket_id}")

    assert [m["text"] for m in view.body["undeliverable"]] == ["您好，我是客服小李"]
    assert view.body["customer"]["phone"] == "13816624571"


async def test_the_stream_reports_an_undeliverable_message_at_once(desk, agent):
    ticket_id = open_handoff()
    async with agent.http.get(f"{desk.url}/console/api/events?ticket={ticket_id}") as response:
        events = await read_events(response, "delivery")
        assert events[-1][1] == {"ticket_id": ticket_id, "undeliverable": [], "phone": None}

        undeliverable("demo-1", "马上为您处理")
        events = await read_events(response, "delivery")

    delivery = events[-1][1]
    assert [m["text"] for m in delivery["undeliverable"]] == ["马上为您处理"]
    assert delivery["phone"] == "13816624571"
