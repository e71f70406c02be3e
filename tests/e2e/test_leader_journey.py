"""A group leader on the running servers: forwarded group chat becomes cases, then the
first check, and another pickup point's leader cannot touch them."""
from __future__ import annotations

import re
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from bot.db import LeaderIdentity, LeaderTask, ReturnCase, TaskDecision
from bot.enums import CaseState
from tests.e2e.leader_cases import missing_item_with_a_photo
from tests.images import jpeg_bytes

pytestmark = pytest.mark.e2e

# demo-1's yogurt: the other end-to-end tests use her strawberries.
FORWARD = "小美：@团长\u2005酸奶坏了，胀袋了一盒[捂脸]\n3栋李姐：收到\n小美：快点处理啊"


def _bot_texts(product, sender: str) -> list[str]:
    events = product.api(f"/conversations/{sender}/tracker")["events"]
    return [e.get("text") or "" for e in events if e["event"] == "bot"]


def _wait_for_text(product, sender: str, needle: str, seconds: float = 30) -> list[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        texts = _bot_texts(product, sender)
        if any(needle in text for text in texts):
            return texts
        time.sleep(0.5)
    raise AssertionError(f"{needle!r} never reached {sender}: {_bot_texts(product, sender)}")


def test_a_leader_turns_group_chat_into_a_case_and_does_the_first_check(product):
    summary = "\n".join(product.say("leader-1", FORWARD))
    assert "1. " in summary and "光明原味酸奶" in summary and "可退" in summary
    assert "2. " not in summary, "chatter and the same customer's follow-up are one complaint"

    confirmed = "\n".join(product.say("leader-1", "确认"))
    ref = re.search(r"R\d{4}", confirmed).group(0)
    with product.session() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
        leader_id = session.scalars(select(LeaderIdentity.leader_id).where(
            LeaderIdentity.external_id == "leader-1")).one()
        assert case.source == "leader_forward" and case.forwarded_by_leader_id == leader_id
        assert "胀袋了一盒" in case.source_text and case.state is CaseState.LEADER_REVIEW
    _wait_for_text(product, "demo-1", "团长已帮您登记")

    again = "\n".join(product.say("leader-1", FORWARD))
    assert "转发过了" in again
    with product.session() as session:
        assert len(session.scalars(select(ReturnCase).where(
            ReturnCase.forwarded_by_leader_id == leader_id)).all()) == 1

    _wait_for_text(product, "leader-1", f"售后初审 {ref}")

    refused = "\n".join(product.say("leader-2", f"同意 {ref}"))
    assert "不是您自提点" in refused

    decided = "\n".join(product.say("leader-1", f"同意 {ref}"))
    assert "已同意" in decided and "怎么处理" in decided
    assert "已记录" in "\n".join(product.say("leader-1", "1"))
    with product.session() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
        task = session.scalars(select(LeaderTask).where(LeaderTask.case_id == case.id)).one()
        assert case.state is CaseState.REFUND_PENDING and task.decision is TaskDecision.APPROVED
        assert task.disposition_confirmed_at is not None
    _wait_for_text(product, "demo-1", "已同意退款")


def test_a_customer_typing_leader_commands_gets_no_leader_abilities(product):
    replies = product.say("demo-2", "同意 R1001")

    assert not any("已同意" in r for r in replies)


def _open(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def _photo_event(product, sender: str, evidence_id: int, seconds: float = 40) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        events = product.api(f"/conversations/{sender}/tracker")["events"]
        for event in events:
            if event["event"] == "bot" and \
                    (event.get("metadata") or {}).get("evidence_id") == evidence_id:
                return event
        time.sleep(0.5)
    raise AssertionError(f"photo {evidence_id} never reached {sender}")


def test_a_first_check_card_brings_its_photo_as_a_link_that_opens_only_as_given(product):
    picture = jpeg_bytes(color=(30, 90, 200))
    ref, evidence_id = missing_item_with_a_photo(product, "demo-4", "菠菜", picture)

    texts = _wait_for_text(product, "leader-1", f"售后初审 {ref}")
    photo = _photo_event(product, "leader-1", evidence_id)

    assert any(f"售后初审 {ref}" in t and "照片：1张" in t for t in texts)
    link = photo["data"]["image"]
    assert link.startswith(f"{product.rasa_url}/console/photos/{evidence_id}?")
    assert _open(link) == (200, picture)
    assert _open(link.replace("sig=", "sig=0"))[0] == 403
    assert _open(link.replace(f"/photos/{evidence_id}?", f"/photos/{evidence_id + 1}?"))[0] == 403
