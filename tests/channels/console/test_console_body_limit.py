"""The desk's JSON API refuses oversized bodies without reading them as JSON."""
from __future__ import annotations

import uuid

from channels.console.api import MAX_JSON_BODY
from tests.channels.console.conftest import open_handoff


async def test_an_oversized_reply_is_refused_and_nothing_reaches_the_customer(desk, agent,
                                                                              fake_rasa):
    ticket_id = open_handoff()
    assert (await agent.post(f"/console/api/tickets/{ticket_id}/claim")).status == 200

    answer = await agent.post(f"/console/api/tickets/{ticket_id}/reply",
                              {"text": "好" * MAX_JSON_BODY, "client_id": str(uuid.uuid4())})

    assert answer.status == 413
    assert answer.body["error"] == f"请求内容太大（最多{MAX_JSON_BODY}字节），未处理。"
    assert fake_rasa.of("events") == []
    ok = await agent.post(f"/console/api/tickets/{ticket_id}/reply",
                          {"text": "您好，马上帮您处理", "client_id": str(uuid.uuid4())})
    assert ok.status == 200 and len(fake_rasa.of("events")) == 1
