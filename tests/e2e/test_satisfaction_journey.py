"""Satisfaction on the running servers: after a handoff the customer scores 2 and says
why, an agent sees them under 待回访 in the desk and closes it with the outcome; after a
leader rejects a case the customer is asked about the case in their own chat."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.cases import ClaimDraft, open_case
from bot.db import (
    ChannelIdentity,
    Customer,
    FollowUp,
    FollowUpStatus,
    HandoffTicket,
    Order,
    OrderLine,
    Product,
    SatisfactionSurvey,
)
from bot.db.base import utcnow
from bot.enums import Reason
from bot.policy import load_policy

pytestmark = pytest.mark.e2e


class Desk:
    """An agent's browser on the running desk: session cookie and CSRF token."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url
        self.cookie = ""
        self.csrf = ""
        status, _ = self.call("POST", "/console/login",
                              {"username": username, "password": password})
        assert status == 200
        self.csrf = self.call("GET", "/console/api/me")[1]["csrf_token"]

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.csrf and method == "POST":
            headers["X-CSRF-Token"] = self.csrf
        data = None if method == "GET" else json.dumps(body or {}).encode()
        request = urllib.request.Request(self.base_url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                cookie = response.headers.get("Set-Cookie")
                if cookie:
                    self.cookie = cookie.split(";", 1)[0]
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


def _bind(product, sender: str, like: str) -> int:
    """Gives ``sender`` the customer of demo sender ``like`` (its newest chat)."""
    with product.session() as session, session.begin():
        customer_id = session.scalars(select(ChannelIdentity.customer_id).where(
            ChannelIdentity.channel == "rest", ChannelIdentity.external_id == like)).one()
        session.add(ChannelIdentity(channel="rest", external_id=sender, customer_id=customer_id,
                                    bound_at=utcnow()))
        return customer_id


def _bot_texts(product, sender: str) -> list[str]:
    events = product.api(f"/conversations/{sender}/tracker")["events"]
    return [e.get("text") or "" for e in events if e["event"] == "bot"]


def _wait_for_text(product, sender: str, needle: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(needle in text for text in _bot_texts(product, sender)):
            return
        time.sleep(0.5)
    raise AssertionError(f"{needle!r} never reached {sender}: {_bot_texts(product, sender)}")


def _follow_up_of(desk: Desk, customer_name: str) -> dict[str, Any] | None:
    status, body = desk.call("GET", "/console/api/follow-ups")
    assert status == 200
    return next((f for f in body["follow_ups"] if f["customer_name"] == customer_name), None)


def test_an_unhappy_customer_after_a_handoff_is_called_back(product):
    sender = "satisfaction-e2e-handoff"
    _bind(product, sender, like="demo-5")
    assert any("人工客服" in r for r in product.say(sender, "转人工"))
    desk = Desk(product.rasa_url, "agent1", "demo-agent-pass")
    with product.session() as session:
        ticket_id = session.scalars(select(HandoffTicket.id).where(
            HandoffTicket.conversation_id == sender)).one()
    assert desk.call("POST", f"/console/api/tickets/{ticket_id}/claim")[0] == 200

    assert desk.call("POST", f"/console/api/tickets/{ticket_id}/handback") == (
        200, {"ok": True, "ended": True})
    _wait_for_text(product, sender, "打个分")

    thanks = "\n".join(product.say(sender, "2"))
    assert "谢谢您的评价" in thanks and "回访" in thanks, "a person will call back"
    noted = "\n".join(product.say(sender, "等了半小时才有人回"))
    assert "记下" in noted
    assert product.say(sender, "我的菜到了吗"), "afterwards the bot serves as before"

    row = _follow_up_of(desk, "赵磊")
    assert row is not None and row["ticket_id"] == ticket_id
    assert (row["score"], row["comment"]) == (2, "等了半小时才有人回")
    assert row["phone"] == "156****2093"

    status, body = desk.call("POST", f"/console/api/follow-ups/{row['id']}/done",
                             {"outcome": "已电话致歉，顾客接受"})

    assert status == 200 and body["follow_up"]["done_by"] == "客服小李"
    assert _follow_up_of(desk, "赵磊") is None, "off the list"
    with product.session() as session:
        done = session.get(FollowUp, row["id"])
        assert done.status is FollowUpStatus.DONE and done.outcome == "已电话致歉，顾客接受"


def _missing_shrimp(product, customer_id: int) -> str:
    """demo-4's 基围虾 was not in her bag: a case waiting for the leader of PP01."""
    with product.session() as session, session.begin():
        line_id = session.scalars(
            select(OrderLine.id).join(Order).join(Customer)
            .join(Product, Product.id == OrderLine.product_id)
            .where(Customer.id == customer_id, Product.name == "基围虾")).one()
        draft = ClaimDraft(customer_id=customer_id, line_id=line_id, reason=Reason.MISSING,
                           quantity_affected=Decimal(1))
        return open_case(session, draft, utcnow(), load_policy(), "customer:test").case.ref


def test_a_customer_whose_case_was_decided_is_asked_about_it_once(product):
    sender = "satisfaction-e2e-case"
    customer_id = _bind(product, sender, like="demo-4")
    ref = _missing_shrimp(product, customer_id)

    decided = "\n".join(product.say("leader-1", f"拒绝 {ref} 当面核对过，袋子里有虾"))

    assert "已拒绝" in decided
    _wait_for_text(product, sender, "1-5分")
    [question] = [e for e in product.api(f"/conversations/{sender}/tracker")["events"]
                  if e["event"] == "bot" and "打个分" in (e.get("text") or "")]
    assert ref in question["text"]
    assert [b["payload"] for b in question["data"]["buttons"]] == ["1", "2", "3", "4", "5"]

    thanks = "\n".join(product.say(sender, "4"))
    assert "谢谢您的评价" in thanks
    assert "谢谢" in "\n".join(product.say(sender, "没有"))
    with product.session() as session:
        survey = session.scalars(select(SatisfactionSurvey).where(
            SatisfactionSurvey.conversation_id == sender)).one()
        assert (survey.subject.value, survey.score, survey.comment) == ("case", 4, None)
        assert session.get(Customer, customer_id) is not None
        assert session.scalars(select(FollowUp).where(
            FollowUp.survey_id == survey.id)).first() is None, "4 needs no call back"
        assert [s.case_id for s in session.scalars(select(SatisfactionSurvey).where(
            SatisfactionSurvey.case_id == survey.case_id))] == [survey.case_id], "asked once"
