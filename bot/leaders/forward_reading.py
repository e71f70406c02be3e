"""Forwarded group-chat complaints (群聊投诉转发): a leader's pasted chat read into items.

A leader pastes or forwards what customers wrote in the group. ``read_forward`` splits
it (``bot.leaders.group_chat``), keeps the complaints the NLU recognises, and reads each
into a numbered item: which customer of the leader's pickup point, which order line,
what went wrong, how much, how angry, and what the policy says
(``bot.leaders.forward_assessment``). The items are stored as one ``LeaderForward``
awaiting the leader's word; ``bot.leaders.forward_items.summary_lines`` is what the
leader reads. What happens next: ``bot.leaders.forward_replies`` reads the leader's short
answers, ``bot.leaders.forward_corrections`` fixes or drops items,
``bot.leaders.forward_confirming`` opens the cases, ``bot.leaders.forward_photos`` takes
the leader's photos and ``bot.leaders.notices`` tells the customers.

Decisions:

* **Never twice.** One ``LeaderForward`` per leader and whitespace-normalised text (a
  unique key): the same text again returns the stored forward and its cases.
* **Nothing guessed.** Ambiguous customers or products become questions in the summary.
* **The classifier** is passed in (``Classify``): the Rasa action supplies one calling
  the NLU (intent, its confidence, the anger score); tests use a real one trained from
  the project's data. A message is a complaint when its intent is one of
  ``COMPLAINT_INTENTS`` with confidence at least ``MIN_CONFIDENCE``.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import answers, audit
from bot.catalogue import mentioned_products
from bot.db import Customer, ForwardState, Leader, LeaderForward
from bot.leaders.chatter import is_chatter
from bot.leaders.forward_assessment import evaluate, with_customer
from bot.leaders.forward_items import (
    Classify,
    ForwardDraft,
    ForwardItem,
    Reading,
    item_json,
    text_hash,
)
from bot.leaders.forward_store import actor, draft_of, get_leader
from bot.leaders.group_chat import GroupMessage, split_messages
from bot.leaders.matching import CustomerMatch, NotFound, match_customer
from bot.leaders.nicknames import normalise_nickname
from bot.policy import Policy

COMPLAINT_INTENTS = frozenset({
    "report_spoiled", "report_damaged", "report_wrong_item", "report_missing_item",
    "request_return", "return_no_reason",
})
MIN_CONFIDENCE = 0.3
"""A complaint intent less sure than this is more often chatter the NLU half-recognises
than a complaint, so the message is left out (the leader can paste it on its own)."""
# Group messages open by addressing the leader ("团长，草莓坏了"); the NLU, trained on
# customers talking to the assistant, reads "团长" as a complaint about the leader.
_ADDRESS = re.compile(
    r"^(?:(?:[@＠]?(?:团长|群主|老板)|亲们?|大家好|你好|您好|在吗)[\s，,：:！!~～。.]*)+")
_LEADER_WORDS = frozenset({"团长", "群主"})


def _nlu_text(message: GroupMessage) -> str:
    """The message as the NLU should read it: without the opening address to the leader,
    with its emoticon codes (they carry mood)."""
    text = _ADDRESS.sub("", message.text.strip())
    return text + "".join(message.emoticons) if text else ""


def _is_leader(message: GroupMessage, leader: Leader) -> bool:
    key = normalise_nickname(message.speaker or "")
    return bool(key) and (key in _LEADER_WORDS or key == normalise_nickname(leader.name))


def _complaints(session: Session, leader: Leader, messages_: list[GroupMessage],
                classify: Classify) -> list[list[tuple[GroupMessage, Reading]]]:
    """Complaint messages, consecutive ones of one speaker merged unless they name
    different products (``草莓坏了`` + ``鸡蛋也碎了`` stay two complaints)."""
    groups: list[list[tuple[GroupMessage, Reading]]] = []
    products: list[set[int]] = []
    for message in messages_:
        if _is_leader(message, leader) or not message.text.strip() or is_chatter(message):
            continue
        nlu_text = _nlu_text(message)
        if not nlu_text:
            continue
        reading = classify(nlu_text)
        if reading.intent not in COMPLAINT_INTENTS or reading.confidence < MIN_CONFIDENCE:
            continue
        named = {product.id for product in mentioned_products(session, message.text)}
        last = groups[-1][-1][0] if groups else None
        if (last is not None and message.speaker is not None and last.speaker == message.speaker
                and (not named or not products[-1] or named & products[-1])):
            groups[-1].append((message, reading))
            products[-1] |= named
        else:
            groups.append([(message, reading)])
            products.append(named)
    return groups


def _main_reading(readings: list[Reading]) -> Reading:
    """The most confident specific complaint; ``request_return`` only if nothing else."""
    specific = [r for r in readings if r.intent != "request_return"]
    best = max(specific or readings, key=lambda r: r.confidence)
    return replace(best, anger=max(r.anger for r in readings))


def _known_speakers(session: Session, pickup_point_id: int) -> list[str]:
    rows = session.execute(select(Customer.nickname, Customer.name)
                           .where(Customer.pickup_point_id == pickup_point_id)).all()
    return [name for row in rows for name in row if name]


def _new_item(session: Session, leader: Leader, number: int,
              group: list[tuple[GroupMessage, Reading]], now: datetime) -> ForwardItem:
    group_messages = [message for message, _ in group]
    reading = _main_reading([r for _, r in group])
    text = "\n".join(m.text for m in group_messages)
    speaker = group_messages[0].speaker
    item = ForwardItem(
        number=number, speaker=speaker, text=text,
        raw="\n".join(m.raw for m in group_messages), intent=reading.intent,
        confidence=round(reading.confidence, 4), anger=round(reading.anger, 4),
        has_photo=any(m.has_photo for m in group_messages),
        reason=answers.reason(text, reading.intent),
    )
    match: CustomerMatch = (match_customer(session, leader.pickup_point_id, speaker, now)
                            if speaker else NotFound(""))
    return with_customer(item, match)


def _by_hash(session: Session, leader_id: int, digest: str) -> LeaderForward | None:
    return session.scalars(select(LeaderForward).where(
        LeaderForward.leader_id == leader_id, LeaderForward.text_hash == digest)).first()


def read_forward(session: Session, leader_id: int, conversation_id: str, text: str,
                 now: datetime, policy: Policy, classify: Classify) -> ForwardDraft:
    """Reads forwarded group chat into numbered complaints awaiting the leader's word.

    Args:
        session: The caller's session (not committed here).
        leader_id: The leader who forwarded it.
        conversation_id: The leader's conversation (Rasa sender id).
        text: The chat as pasted or forwarded.
        now: The clock.
        policy: The after-sales policy, to tell the leader what each claim is worth.
        classify: Reads one message: intent, confidence, anger (see the module docstring).

    Returns:
        The stored forward (``state`` pending); the earlier one (``repeated``) if this
        leader forwarded the same text before; an empty draft (``forward_id`` None,
        nothing stored) when no message is a complaint.

    Raises:
        LeaderNotFound: no such leader.
    """
    leader = get_leader(session, leader_id)
    digest = text_hash(text)
    existing = _by_hash(session, leader_id, digest)
    if existing is not None:
        return draft_of(existing, repeated=True)
    chat = split_messages(text, _known_speakers(session, leader.pickup_point_id))
    groups = _complaints(session, leader, chat, classify)
    items = [evaluate(session, _new_item(session, leader, n, group, now), now, policy)
             for n, group in enumerate(groups, start=1)]
    if not items:
        return ForwardDraft(None, leader_id, None, ())
    row = LeaderForward(leader_id=leader_id, conversation_id=conversation_id, text=text,
                        text_hash=digest, items=[item_json(i) for i in items], case_ids=[],
                        state=ForwardState.PENDING, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # The same text arrived twice at once; the other request stored it.
        return draft_of(_by_hash(session, leader_id, digest), repeated=True)
    audit.record(session, actor(leader_id), "leader_forward.read", "leader_forward", row.id,
                 conversation_id=conversation_id, items=len(items),
                 statuses=[item.status.value for item in items])
    return draft_of(row)
