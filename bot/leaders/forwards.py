"""Forwarded group-chat complaints (群聊投诉转发): from a leader's pasted chat to cases.

A leader pastes or forwards what customers wrote in the group. ``read_forward`` splits
it (``bot.leaders.forwarding``), keeps the complaints the NLU recognises, and reads each
into a numbered item: which customer of the leader's pickup point, which order line,
what went wrong, how much, how angry, and what the policy says. The items are stored as
one ``LeaderForward`` awaiting the leader's word; ``summary_lines`` is what the leader
reads. The leader then fixes items (``resolve_item`` for who or which product,
``correct_item`` for quantity, reason or "unopened"), drops some (``cancel_forward``)
and ``confirm``\\ s all or some, which opens the cases through
``bot.cases.opening.open_case`` in the customer's name. ``parse_forward_reply`` reads
the leader's short answers; ``customer_notices`` tells bound customers in their own chat.

Decisions:

* **Photos.** The leader has the goods in front of them, so a forwarded quality claim
  is opened without a photo (``ClaimDraft.forwarded_by_leader_id`` waives only the photo
  in ``open_case``; the policy still decides everything else). Without a photo the
  policy never approves automatically: the case waits for the leader's first check (or
  the platform above the leader's limit), and the summary says "无照片，请当面核实".
  Photos the leader sends go through ``photo_target``/``attach_photo``: before
  confirmation they are kept on the item and the first one is the claim's evidence (so
  the policy sees a photo); after confirmation they are attached to the case.
* **Never twice.** One ``LeaderForward`` per leader and whitespace-normalised text (a
  unique key): the same text again returns the stored forward and its cases. Confirming
  again returns the cases already made; ``open_case``'s claim key also stops a second
  case for the same line and reason (e.g. one the customer opened themselves, which is
  then reported, not changed).
* **Authority.** A leader only ever sees or changes their own forwards, customers of
  their own pickup point, and cases they forwarded or of their point.
* **Nothing guessed.** Ambiguous customers or products become questions in the summary;
  only ready items are confirmed, the others are reported back.
* **The classifier** is passed in (``Classify``): the Rasa action supplies one calling
  the NLU (intent, its confidence, the anger score); tests use a real one trained from
  the project's data. A message is a complaint when its intent is one of
  ``COMPLAINT_INTENTS`` with confidence at least ``MIN_CONFIDENCE``.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from bot import answers, audit, messages
from bot.cases.opening import ClaimDraft, ClaimIncomplete, ClaimRefused, assess, open_case
from bot.cases.states import OPEN
from bot.cases.views import CaseView, case_view, cases_query
from bot.catalogue import mentioned_products
from bot.choices import case_ref, parse_choice
from bot.db import (
    ChannelIdentity,
    Customer,
    Evidence,
    ForwardState,
    Leader,
    LeaderForward,
    Order,
    OrderLine,
    ReturnCase,
)
from bot.enums import Reason
from bot.leaders.forward_items import (
    Classify,
    ForwardDraft,
    ForwardItem,
    ItemStatus,
    LineOption,
    Reading,
    encode,
    item_from_json,
    item_json,
    summary_line,
    summary_lines,
    text_hash,
)
from bot.leaders.forward_replies import ForwardReply, ReplyAction, parse_forward_reply
from bot.leaders.forwarding import GroupMessage, is_chatter, normalise_nickname, split_messages
from bot.leaders.matching import (
    Ambiguous,
    CustomerMatch,
    Found,
    LineAmbiguous,
    LineFound,
    NotBought,
    NotFound,
    line_by_answer,
    match_customer,
    match_line,
)
from bot.orders import LineView, customer_line, recent_lines
from bot.policy import Policy
from bot.quantity import parse_quantity
from bot.timefmt import local_time

__all__ = [
    "AnswerNotUnderstood", "COMPLAINT_INTENTS", "Classify", "Confirmation", "CustomerNotFound",
    "CustomerNotice", "EvidenceNotUsable", "ForwardClosed", "ForwardDraft", "ForwardError",
    "ForwardItem", "ForwardNotFound", "ForwardReply", "ItemClosed", "ItemNotFound", "ItemStatus",
    "LeaderNotFound", "LineOption", "MIN_CONFIDENCE", "PhotoTarget", "PhotoTargetAmbiguous",
    "PhotoTargetNotFound", "QuantityNotAccepted", "Reading", "ReplyAction", "Skipped",
    "attach_photo", "cancel_forward", "confirm", "correct_item", "customer_notices",
    "latest_forward", "parse_forward_reply", "photo_target", "read_forward", "resolve_item",
    "summary_line", "summary_lines", "text_hash",
]

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


# --- errors ----------------------------------------------------------------------------


class ForwardError(Exception):
    """A leader's request about a forward that cannot be carried out; nothing changed."""


class LeaderNotFound(ForwardError):
    """No such leader."""


class ForwardNotFound(ForwardError):
    """No such forward of this leader (another leader's forward is not found either)."""


class ForwardClosed(ForwardError):
    """The forward was cancelled."""


class ItemNotFound(ForwardError):
    """The forward has no item with this number."""


class ItemClosed(ForwardError):
    """The item already has its case, or was dropped."""


class AnswerNotUnderstood(ForwardError):
    """The leader's answer names no candidate, customer, product, quantity or reason."""


class CustomerNotFound(ForwardError):
    """The answer names no customer of the leader's pickup point."""


class QuantityNotAccepted(ForwardError):
    """The corrected quantity is not positive or more than the customer bought."""


class PhotoTargetNotFound(ForwardError):
    """No case or item of this leader to attach a photo to (or it is closed)."""


class PhotoTargetAmbiguous(ForwardError):
    """Several cases or items could take the photo; ``options`` names them."""

    def __init__(self, options: tuple[str, ...]) -> None:
        super().__init__("; ".join(options))
        self.options = options


class EvidenceNotUsable(ForwardError):
    """The photo does not exist, is already attached, or was stored for another customer."""


@dataclass(frozen=True)
class Skipped:
    """An item ``confirm`` did not turn into a case; status None: no such number."""

    number: int
    status: ItemStatus | None


@dataclass(frozen=True)
class Confirmation:
    """What ``confirm`` did: cases opened now, cases that existed, items left out."""

    created: tuple[CaseView, ...]
    existing: tuple[CaseView, ...]
    skipped: tuple[Skipped, ...]
    draft: ForwardDraft

    @property
    def cases(self) -> tuple[CaseView, ...]:
        return self.created + self.existing


@dataclass(frozen=True)
class PhotoTarget:
    """Where a leader's photo goes: a case (``case_id``) or a forward item not yet
    confirmed (``forward_id`` and ``number``); the photo is stored for ``customer_id``."""

    customer_id: int
    case_id: int | None = None
    case_ref: str | None = None
    forward_id: int | None = None
    number: int | None = None


class CustomerNotice(NamedTuple):
    """A message for a customer's own chat."""

    channel: str
    external_id: str
    text: str


def _items(row: LeaderForward) -> list[ForwardItem]:
    return [item_from_json(data) for data in row.items or []]


def _save(row: LeaderForward, items: list[ForwardItem]) -> None:
    row.items = [item_json(item) for item in items]
    row.case_ids = sorted({*row.case_ids, *(i.case_id for i in items if i.case_id)})
    flag_modified(row, "items")
    flag_modified(row, "case_ids")


def _draft(row: LeaderForward, repeated: bool = False) -> ForwardDraft:
    items = tuple(_items(row))
    refs = tuple(item.case_ref for item in items if item.case_ref)
    return ForwardDraft(row.id, row.leader_id, row.state, items, refs, repeated)


# --- reading ---------------------------------------------------------------------------


def _leader(session: Session, leader_id: int) -> Leader:
    leader = session.get(Leader, leader_id)
    if leader is None:
        raise LeaderNotFound(leader_id)
    return leader


def _actor(leader_id: int) -> str:
    return f"leader:{leader_id}"


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


def _with_customer(item: ForwardItem, match: CustomerMatch) -> ForwardItem:
    """The item with the customer match; anything read from the old customer is reset."""
    cleared = replace(item, customer_id=None, customer_name=None, matched_by=None,
                      candidates=(), line_id=None, product=None, unit=None, bought=None,
                      line_options=(), not_bought=None, no_orders=False, quantity=None,
                      quantity_by_leader=False, evidence_ids=(), eligible=None,
                      refund_amount=None, review=None, refusal=None, missing=(),
                      photo_waived=False)
    if isinstance(match, Found):
        return replace(cleared, customer_id=match.customer_id, customer_name=match.name,
                       matched_by=match.how)
    if isinstance(match, Ambiguous):
        return replace(cleared, candidates=match.candidates)
    return cleared


def _with_line(item: ForwardItem, line: LineView) -> ForwardItem:
    return replace(item, line_id=line.line_id, product=line.product_name, unit=line.unit,
                   bought=line.quantity, line_options=(), not_bought=None, no_orders=False)


def _option(line: LineView) -> LineOption:
    return LineOption(line.line_id, line.product_name, line.quantity, line.unit, line.order_no)


def _said_quantity(text: str, line: LineView) -> Decimal | None:
    """The amount the customer names, if it fits the line; else None (everything)."""
    amount = answers.quantity(text, line.unit, line.quantity)
    return amount if amount is not None and amount <= line.quantity else None


def _evaluate(session: Session, item: ForwardItem, now: datetime, policy: Policy) -> ForwardItem:
    """Finds the line (unless chosen) and applies the policy to the item as it stands."""
    if item.case_id is not None or item.dropped or item.customer_id is None:
        return item
    item = replace(item, eligible=None, refund_amount=None, review=None, refusal=None,
                   missing=(), photo_waived=False)
    line = customer_line(session, item.customer_id, item.line_id) if item.line_id else None
    if line is None:
        found = match_line(session, item.customer_id, item.text, now)
        if isinstance(found, LineAmbiguous):
            return replace(item, line_id=None, product=found.product, unit=None, bought=None,
                           line_options=tuple(map(_option, found.options)), not_bought=None,
                           no_orders=False)
        if isinstance(found, NotBought):
            return replace(item, line_id=None, product=None, line_options=(),
                           not_bought=found.product, no_orders=False)
        if not isinstance(found, LineFound):
            return replace(item, line_id=None, product=None, line_options=(), not_bought=None,
                           no_orders=True)
        line = found.line
    item = _with_line(item, line)
    quantity = item.quantity if item.quantity_by_leader else _said_quantity(item.text, line)
    unopened = item.unopened if item.unopened is not None else answers.unopened(item.text, None)
    item = replace(item, quantity=quantity, unopened=unopened)
    if item.reason is None:
        return item
    decision = assess(session, _claim(item, leader_id=None), now, policy).decision
    return replace(
        item, eligible=decision.eligible, review=decision.review.value,
        refund_amount=decision.refund_amount if decision.eligible else None,
        refusal=None if decision.eligible else decision.explanation,
        missing=tuple(m for m in decision.missing if m != "photo"),
        photo_waived="photo" in decision.missing,
    )


def _claim(item: ForwardItem, leader_id: int | None,
           conversation_id: str | None = None) -> ClaimDraft:
    assert item.customer_id is not None and item.line_id is not None and item.reason is not None
    return ClaimDraft(
        customer_id=item.customer_id, line_id=item.line_id, reason=item.reason,
        quantity_affected=item.quantity, unopened=item.unopened,
        evidence_id=item.evidence_ids[0] if item.evidence_ids else None,
        conversation_id=conversation_id, description=item.text[:500] or None,
        forwarded_by_leader_id=leader_id, source_text=item.raw,
    )


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
    return _with_customer(item, match)


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
    leader = _leader(session, leader_id)
    digest = text_hash(text)
    existing = _by_hash(session, leader_id, digest)
    if existing is not None:
        return _draft(existing, repeated=True)
    chat = split_messages(text, _known_speakers(session, leader.pickup_point_id))
    groups = _complaints(session, leader, chat, classify)
    items = [_evaluate(session, _new_item(session, leader, n, group, now), now, policy)
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
        return _draft(_by_hash(session, leader_id, digest), repeated=True)
    audit.record(session, _actor(leader_id), "leader_forward.read", "leader_forward", row.id,
                 conversation_id=conversation_id, items=len(items),
                 statuses=[item.status.value for item in items])
    return _draft(row)


# --- the leader's corrections ----------------------------------------------------------


def _own_forward(session: Session, leader_id: int, forward_id: int,
                 lock: bool = False) -> LeaderForward:
    query = select(LeaderForward).where(LeaderForward.id == forward_id,
                                        LeaderForward.leader_id == leader_id)
    row = session.scalars(query.with_for_update() if lock else query).first()
    if row is None:
        raise ForwardNotFound(forward_id)
    if row.state is ForwardState.CANCELLED:
        raise ForwardClosed(forward_id)
    return row


def _open_item(items: list[ForwardItem], number: int) -> ForwardItem:
    item = next((i for i in items if i.number == number), None)
    if item is None:
        raise ItemNotFound(number)
    if item.status in (ItemStatus.CREATED, ItemStatus.DROPPED):
        raise ItemClosed(number)
    return item


def _store(session: Session, row: LeaderForward, items: list[ForwardItem], changed: ForwardItem,
           action: str, **detail: Any) -> ForwardDraft:
    items = [changed if i.number == changed.number else i for i in items]
    _save(row, items)
    session.flush()
    audit.record(session, _actor(row.leader_id), action, "leader_forward", row.id,
                 number=changed.number, status=changed.status.value, **detail)
    return _draft(row)


def _pick(answer: str, count: int) -> int | None:
    """A 1-based pick among ``count`` options (``1``, ``①``, ``第二个``)."""
    return parse_choice(unicodedata.normalize("NFKC", answer or ""), count) if count else None


def resolve_item(session: Session, forward_id: int, leader_id: int, number: int, answer: str,
                 *, now: datetime, policy: Policy) -> ForwardDraft:
    """Settles who or which product item ``number`` is about, from the leader's answer.

    The answer may pick a candidate or product option by its number (``1``, ``①``), name
    a product the customer bought (``蓝莓``), or name the customer anew by phone tail,
    pickup code, nickname or name (``尾号1234``, ``取货码 123456``); the item is then
    read again (line, quantity, policy).

    Raises:
        ForwardNotFound, ForwardClosed: not this leader's forward, or cancelled.
        ItemNotFound, ItemClosed: no such item, or it has its case or was dropped.
        CustomerNotFound: the answer names no customer of the leader's pickup point.
        AnswerNotUnderstood: a number that picks nothing.
    """
    row = _own_forward(session, leader_id, forward_id)
    items = _items(row)
    item = _open_item(items, number)
    leader = _leader(session, leader_id)
    pick_customer = _pick(answer, len(item.candidates)) if item.customer_id is None else None
    pick_line = _pick(answer, len(item.line_options)) if item.customer_id else None
    if pick_customer is not None:
        chosen = item.candidates[pick_customer - 1]
        item = _with_customer(item, Found(chosen.customer_id, chosen.name, chosen.nickname,
                                          chosen.phone_tail, "leader"))
    elif pick_line is not None:
        option = item.line_options[pick_line - 1]
        item = replace(item, line_id=option.line_id, line_options=(), quantity_by_leader=False)
    elif item.customer_id is not None and (
            line := line_by_answer(recent_lines(session, item.customer_id, now), answer)):
        item = _with_line(replace(item, quantity_by_leader=False), line)
    else:
        match = match_customer(session, leader.pickup_point_id, answer, now)
        if isinstance(match, NotFound):
            if parse_choice(unicodedata.normalize("NFKC", answer or ""), 99) is not None:
                raise AnswerNotUnderstood(answer)
            raise CustomerNotFound(answer)
        if isinstance(match, Found):
            match = replace(match, how="leader")
        item = _with_customer(item, match)
    item = _evaluate(session, item, now, policy)
    return _store(session, row, items, item, "leader_forward.item_resolved", answer=answer[:60])


def correct_item(session: Session, forward_id: int, leader_id: int, number: int, *,
                 now: datetime, policy: Policy, quantity: str | Decimal | None = None,
                 reason: Reason | str | None = None,
                 unopened: bool | None = None) -> ForwardDraft:
    """Corrects item ``number``: the affected quantity (``"3盒"``, ``"一半"``, ``"全部"`` or
    an amount in the line's unit), the reason (a ``Reason`` or words like ``变质``), or
    whether the goods are unopened; the policy is applied again.

    Raises:
        ForwardNotFound, ForwardClosed, ItemNotFound, ItemClosed: see ``resolve_item``.
        AnswerNotUnderstood: nothing to correct, or a reason or quantity not understood,
            or a quantity for an item whose product is not settled yet.
        QuantityNotAccepted: not positive, or more than the customer bought.
    """
    row = _own_forward(session, leader_id, forward_id)
    items = _items(row)
    item = _open_item(items, number)
    if quantity is None and reason is None and unopened is None:
        raise AnswerNotUnderstood("")
    changes: dict[str, Any] = {}
    if reason is not None:
        read = reason if isinstance(reason, Reason) else answers.reason(reason)
        if read is None:
            raise AnswerNotUnderstood(str(reason))
        changes["reason"] = read
    if unopened is not None:
        changes["unopened"] = unopened
    if quantity is not None:
        if item.bought is None or item.unit is None:
            raise AnswerNotUnderstood(str(quantity))
        amount = (quantity if isinstance(quantity, Decimal)
                  else answers.quantity(quantity, item.unit, item.bought))
        if amount is None:
            if parse_quantity(str(quantity)) is None:
                raise AnswerNotUnderstood(str(quantity))
            raise QuantityNotAccepted(str(quantity))
        if not Decimal(0) < amount <= item.bought:
            raise QuantityNotAccepted(str(quantity))
        changes.update(quantity=amount, quantity_by_leader=True)
    item = _evaluate(session, replace(item, **changes), now, policy)
    return _store(session, row, items, item, "leader_forward.item_corrected",
                  **{k: encode(v) for k, v in changes.items()})


def cancel_forward(session: Session, leader_id: int, forward_id: int,
                   numbers: set[int] | None = None) -> ForwardDraft:
    """Drops the items ``numbers`` (None: every item without a case); a forward left
    without any case is cancelled. Cases already opened are not touched.

    Raises:
        ForwardNotFound, ForwardClosed: see ``resolve_item``.
        ItemNotFound, ItemClosed: a named item does not exist or already has its case.
    """
    row = _own_forward(session, leader_id, forward_id, lock=True)
    items = _items(row)
    if numbers is not None:
        for number in numbers:
            _open_item(items, number)
    dropped = [i.number for i in items if i.case_id is None and not i.dropped
               and (numbers is None or i.number in numbers)]
    items = [replace(i, dropped=True) if i.number in dropped else i for i in items]
    _save(row, items)
    if all(i.dropped for i in items):
        row.state = ForwardState.CANCELLED
    session.flush()
    audit.record(session, _actor(leader_id), "leader_forward.cancelled", "leader_forward",
                 row.id, numbers=dropped, state=row.state.value)
    return _draft(row)


# --- confirming ------------------------------------------------------------------------


def _customer_conversation(session: Session, customer_id: int) -> ChannelIdentity | None:
    """The customer's own chat: their most recently bound channel identity."""
    return session.scalars(
        select(ChannelIdentity).where(ChannelIdentity.customer_id == customer_id)
        .order_by(ChannelIdentity.bound_at.desc(), ChannelIdentity.id.desc())
    ).first()


def _case_views(session: Session, case_ids: Iterable[int]) -> dict[int, CaseView]:
    ids = list(case_ids)
    rows = session.scalars(cases_query().where(ReturnCase.id.in_(ids))).all() if ids else []
    return {row.id: case_view(row) for row in rows}


def _attach(session: Session, evidence_ids: Iterable[int], case_id: int, ref: str,
            actor: str) -> None:
    for evidence in session.scalars(select(Evidence).where(Evidence.id.in_(list(evidence_ids)),
                                                          Evidence.case_id.is_(None))).all():
        evidence.case_id = case_id
        audit.record(session, actor, "evidence.attached", "evidence", evidence.id, ref=ref)


def _open(session: Session, item: ForwardItem, leader_id: int, now: datetime,
          policy: Policy) -> tuple[ForwardItem, CaseView | None, bool]:
    """Opens the ready item's case: ``(item, case, created)``; case None if refused."""
    identity = _customer_conversation(session, item.customer_id)
    draft = _claim(item, leader_id, identity.external_id if identity else None)
    actor = _actor(leader_id)
    try:
        opened = open_case(session, draft, now, policy, actor)
    except ClaimRefused as refused:
        return replace(item, eligible=False, refund_amount=None,
                       refusal=refused.decision.explanation), None, False
    except ClaimIncomplete as incomplete:
        return replace(item, missing=incomplete.missing), None, False
    case = opened.case
    if opened.created:
        _attach(session, item.evidence_ids[1:], case.id, case.ref, actor)
    return replace(item, case_id=case.id, case_ref=case.ref,
                   already_open=not opened.created), case, opened.created


def confirm(session: Session, leader_id: int, forward_id: int, numbers: set[int] | None,
            now: datetime, policy: Policy) -> Confirmation:
    """Opens the cases of the chosen ready items (all items when ``numbers`` is None).

    Each case is opened through ``open_case`` in the customer's name (the policy decides
    again, as of ``now``) with source ``leader_forward``, the forwarding leader, the
    customer's words as ``source_text`` and the customer's own conversation when bound;
    the actor is ``leader:<id>``. Items not ready are reported in ``skipped``. Confirming
    again returns the cases already opened (``existing``) and opens nothing twice.

    Raises:
        ForwardNotFound, ForwardClosed: not this leader's forward, or cancelled.
    """
    row = _own_forward(session, leader_id, forward_id, lock=True)
    items = _items(row)
    by_number = {item.number: item for item in items}
    chosen = sorted(by_number) if numbers is None else sorted(numbers)
    created: list[CaseView] = []
    existing_ids: list[int] = []
    skipped: list[Skipped] = []
    changed = False
    for number in chosen:
        item = by_number.get(number)
        if item is None:
            skipped.append(Skipped(number, None))
            continue
        if item.case_id is not None:
            existing_ids.append(item.case_id)
            continue
        if item.dropped:
            if numbers is not None:
                skipped.append(Skipped(number, ItemStatus.DROPPED))
            continue
        fresh = _evaluate(session, item, now, policy)
        case = None
        if fresh.status is ItemStatus.READY:
            fresh, case, new = _open(session, fresh, leader_id, now, policy)
            if case is not None and new:
                created.append(case)
            elif case is not None:
                existing_ids.append(case.id)
        if case is None:
            skipped.append(Skipped(number, fresh.status))
        changed = changed or fresh != item
        by_number[number] = fresh
    if changed:
        _save(row, [by_number[n] for n in sorted(by_number)])
        if row.case_ids and row.state is ForwardState.PENDING:
            row.state, row.confirmed_at = ForwardState.CONFIRMED, now
        session.flush()
        audit.record(session, _actor(leader_id), "leader_forward.confirmed", "leader_forward",
                     row.id, numbers=chosen, created=[c.ref for c in created],
                     skipped=[s.number for s in skipped])
    views = _case_views(session, existing_ids)
    return Confirmation(tuple(created), tuple(views[i] for i in existing_ids if i in views),
                        tuple(skipped), _draft(row))


def latest_forward(session: Session, leader_id: int) -> ForwardDraft | None:
    """The leader's most recent forward that is not cancelled, if any (the one short
    replies such as ``确认`` or a photo refer to)."""
    row = session.scalars(
        select(LeaderForward).where(LeaderForward.leader_id == leader_id,
                                    LeaderForward.state != ForwardState.CANCELLED)
        .order_by(LeaderForward.created_at.desc(), LeaderForward.id.desc())
    ).first()
    return _draft(row) if row is not None else None


# --- photos ----------------------------------------------------------------------------


def _may_touch(session: Session, leader: Leader, case: ReturnCase) -> bool:
    if case.forwarded_by_leader_id == leader.id:
        return True
    point = session.scalar(select(Order.pickup_point_id).join(OrderLine)
                           .where(OrderLine.id == case.order_line_id))
    return point == leader.pickup_point_id


def _case_target(session: Session, leader: Leader, ref: str) -> PhotoTarget:
    case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref.upper())).first()
    if case is None or not _may_touch(session, leader, case) or case.state not in OPEN:
        raise PhotoTargetNotFound(ref)
    return PhotoTarget(case.customer_id, case.id, case.ref)


def photo_target(session: Session, leader_id: int, target: str | None = None) -> PhotoTarget:
    """Where a photo the leader sends belongs.

    Args:
        session: The caller's session.
        leader_id: The leader.
        target: A case reference (``R1024``: a case the leader forwarded or of their
            pickup point, still open), an item number of the leader's latest forward
            (``2``), or None: the only case or item of the latest forward.

    Returns:
        The target; store the photo for its ``customer_id`` and pass it to ``attach_photo``.

    Raises:
        PhotoTargetNotFound: no such open case or item of this leader.
        PhotoTargetAmbiguous: no target given and the latest forward has several.
    """
    leader = _leader(session, leader_id)
    ref = case_ref(target or "")
    if ref:
        return _case_target(session, leader, ref)
    draft = latest_forward(session, leader_id)
    candidates = [i for i in (draft.items if draft else ())
                  if not i.dropped and (i.case_id is not None or i.customer_id is not None)]
    number = _pick(target or "", max((i.number for i in candidates), default=0))
    if number is not None:
        item = next((i for i in candidates if i.number == number), None)
    elif target and target.strip():
        raise PhotoTargetNotFound(target)
    elif len(candidates) == 1:
        item = candidates[0]
    elif candidates:
        raise PhotoTargetAmbiguous(tuple(summary_line(i) for i in candidates))
    else:
        item = None
    if item is None or draft is None:
        raise PhotoTargetNotFound(target or "")
    if item.case_ref is not None:
        return _case_target(session, leader, item.case_ref)
    assert item.customer_id is not None
    return PhotoTarget(item.customer_id, forward_id=draft.forward_id, number=item.number)


def attach_photo(session: Session, leader_id: int, target: str | None, evidence_id: int,
                 now: datetime, policy: Policy) -> PhotoTarget:
    """Attaches a photo the leader sent to its case, or keeps it on the forward item until
    confirmation (where it becomes the claim's photo); see ``photo_target`` for ``target``.

    Raises:
        PhotoTargetNotFound, PhotoTargetAmbiguous: see ``photo_target``.
        EvidenceNotUsable: no such photo, already attached, or stored for another customer.
    """
    where = photo_target(session, leader_id, target)
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or evidence.case_id is not None or \
            evidence.customer_id != where.customer_id:
        raise EvidenceNotUsable(evidence_id)
    actor = _actor(leader_id)
    if where.case_id is not None:
        evidence.case_id = where.case_id
        session.flush()
        audit.record(session, actor, "evidence.attached", "evidence", evidence.id,
                     ref=where.case_ref)
        return where
    assert where.forward_id is not None and where.number is not None
    row = _own_forward(session, leader_id, where.forward_id)
    items = _items(row)
    item = _open_item(items, where.number)
    if evidence_id not in item.evidence_ids:
        item = replace(item, evidence_ids=(*item.evidence_ids, evidence_id))
    item = _evaluate(session, item, now, policy)
    _store(session, row, items, item, "leader_forward.photo_added", evidence_id=evidence_id)
    return where


# --- telling customers -----------------------------------------------------------------


def customer_notices(session: Session, case_ids: Iterable[int]) -> list[CustomerNotice]:
    """What to tell each bound customer, in their own chat, about cases their leader
    opened for them from forwarded chat; customers without a bound chat get nothing.

    The notice goes to the customer's most recently bound identity (the conversation the
    case records), e.g. ``团长已帮您登记售后单 R1024（丹东草莓 2盒），团长会在…前核实…``.
    """
    ids = list(case_ids)
    if not ids:
        return []
    rows = session.scalars(cases_query().where(ReturnCase.id.in_(ids),
                                               ReturnCase.forwarded_by_leader_id.is_not(None))
                           .order_by(ReturnCase.id)).all()
    notices = []
    for case in rows:
        identity = _customer_conversation(session, case.customer_id)
        if identity is None:
            continue
        view = case_view(case)
        step = messages.NEXT_STEP.get(case.state, "")
        due = local_time(case.review_due_at) if case.review_due_at else ""
        product = f"{view.product_name} {answers.plain_number(view.quantity_affected)}{view.unit}"
        text = messages.FORWARD_CUSTOMER_NOTICE.format(ref=view.ref, product=product,
                                                       next_step=step.format(due=due))
        notices.append(CustomerNotice(identity.channel, identity.external_id, text))
    return notices
