"""The desk mounted in the real ``rasa run`` (credentials.yml), with the real action
server: a customer asks for a person, an agent signs in, sees them in the queue, reads
what they say while the bot is paused, claims, replies through Rasa and hands back."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.db import ChannelIdentity, HandoffTicket, TicketStatus
from tests.servers import Product, running_product

pytestmark = pytest.mark.e2e
SENDER = "console-e2e-customer"


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    with running_product(tmp_path_factory.mktemp("console"),
                         {"CONSOLE_SECRET": "console-e2e-secret-0123456789abcdef"}) as running:
        with running.session() as session, session.begin():
            customer_id = session.scalars(select(ChannelIdentity.customer_id).where(
                ChannelIdentity.channel == "rest", ChannelIdentity.external_id == "demo-1")).one()
            session.add(ChannelIdentity(channel="rest", external_id=SENDER,
                                        customer_id=customer_id))
        yield running


@dataclass
class DeskSession:
    """An agent's browser against the running Rasa server, with cookie and CSRF token."""

    base_url: str
    cookie: str = ""
    csrf: str = ""

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.csrf and method == "POST":
            headers["X-CSRF-Token"] = self.csrf
        request = urllib.request.Request(
            self.base_url + path, None if body is None and method == "GET"
            else json.dumps(body or {}).encode(), headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                set_cookie = response.headers.get("Set-Cookie")
                if set_cookie:
                    self.cookie = set_cookie.split(";", 1)[0]
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def first_event(self, path: str) -> tuple[str, Any]:
        request = urllib.request.Request(self.base_url + path, headers={"Cookie": self.cookie})
        with urllib.request.urlopen(request, timeout=30) as response:
            name = None
            for raw in response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    name = line[len("event: "):]
                elif line.startswith("data: ") and name:
                    return name, json.loads(line[len("data: "):])
        raise AssertionError("the stream ended without an event")


def _ticket(product: Product) -> HandoffTicket:
    with product.session() as session:
        ticket = session.scalars(select(HandoffTicket).where(
            HandoffTicket.conversation_id == SENDER).order_by(HandoffTicket.id.desc())).first()
        session.expunge_all()
        return ticket


def test_an_agent_serves_a_customer_from_the_desk_in_the_running_product(product):
    assert any("人工客服" in reply for reply in product.say(SENDER, "转人工"))
    ticket_id = _ticket(product).id
    desk = DeskSession(product.rasa_url)

    unauthenticated, _ = desk.call("GET", "/console/api/queue")
    assert unauthenticated == 401
    status, _ = desk.call("POST", "/console/login",
                          {"username": "agent1", "password": "demo-agent-pass"})
    assert status == 200 and desk.cookie.startswith("desk_session=")
    desk.csrf = desk.call("GET", "/console/api/me")[1]["csrf_token"]

    status, queue = desk.call("GET", "/console/api/queue")
    assert status == 200 and [t["id"] for t in queue["tickets"]] == [ticket_id]
    assert queue["tickets"][0]["customer_name"] == "王小美"
    name, data = desk.first_event("/console/api/events")
    assert name == "queue" and data["tickets"][0]["id"] == ticket_id

    assert product.say(SENDER, "草莓全烂了，快点处理") == []
    status, view = desk.call("GET", f"/console/api/tickets/{ticket_id}")
    assert status == 200 and view["transcript"]["available"] is True
    assert view["transcript"]["paused"] is True
    turns = view["transcript"]["turns"]
    assert turns[-1]["kind"] == "customer" and turns[-1]["text"] == "草莓全烂了，快点处理"
    assert any(t["kind"] == "marker" and t["marker"] == "paused" for t in turns)

    assert desk.call("POST", f"/console/api/tickets/{ticket_id}/claim")[0] == 200
    status, sent = desk.call("POST", f"/console/api/tickets/{ticket_id}/reply",
                             {"text": "您好，我是客服小李，马上为您处理",
                              "client_id": str(uuid.uuid4())})
    assert (status, sent["duplicate"]) == (200, False)
    events = product.api(f"/conversations/{SENDER}/tracker")["events"]
    agent_said = [e for e in events if e["event"] == "bot" and e.get("metadata", {}).get("agent")]
    assert [e["text"] for e in agent_said] == ["您好，我是客服小李，马上为您处理"]
    assert agent_said[0]["metadata"]["agent"] == "客服小李"

    status, ended = desk.call("POST", f"/console/api/tickets/{ticket_id}/handback")
    assert status == 200, ended
    assert _ticket(product).status is TicketStatus.RETURNED
    tracker = product.api(f"/conversations/{SENDER}/tracker")
    assert tracker["paused"] is False
    assert any("打个分" in (e.get("text") or "") for e in tracker["events"] if e["event"] == "bot")
    assert desk.call("GET", "/console/api/queue")[1]["tickets"] == []
