"""The items of a forwarded group chat: one complaint each, as the leader sees it.

``ForwardItem`` is what ``bot.leaders.forward_store`` stores in ``LeaderForward.items`` (JSON,
see ``item_json``/``item_from_json``) and ``summary_line`` the numbered line the leader
reads about it.
"""
from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from bot import answers, messages
from bot.db import ForwardState
from bot.enums import Reason
from bot.leaders.matching import Candidate

ANGRY = 0.6
"""Anger score from which the summary warns the leader that the customer is angry."""


@dataclass(frozen=True)
class Reading:
    """What the NLU makes of one message."""

    intent: str
    confidence: float
    anger: float


Classify = Callable[[str], Reading]


@dataclass(frozen=True)
class LineOption:
    """An order line offered when the product is unclear."""

    line_id: int
    product: str
    quantity: Decimal
    unit: str
    order_no: str


class ItemStatus(str, Enum):
    """Where one forwarded complaint stands."""

    READY = "ready"
    CREATED = "created"
    DROPPED = "dropped"
    CHOOSE_CUSTOMER = "choose_customer"
    UNKNOWN_CUSTOMER = "unknown_customer"
    CHOOSE_LINE = "choose_line"
    NOT_BOUGHT = "not_bought"
    NO_ORDERS = "no_orders"
    NEEDS_REASON = "needs_reason"
    NEEDS_UNOPENED = "needs_unopened"
    REFUSED = "refused"


@dataclass(frozen=True)
class ForwardItem:
    """One complaint of a forward, as the leader sees it (stored in ``items`` as JSON).

    ``text`` is the customer's words used for matching, ``raw`` the lines as pasted (the
    case's ``source_text``). ``quantity`` None means everything bought. ``refusal`` is the
    policy's rule text when the claim is not eligible; ``missing`` what the policy still
    needs (a photo is never needed here: ``photo_waived`` records that it was waived).
    """

    number: int
    speaker: str | None
    text: str
    raw: str
    intent: str
    confidence: float
    anger: float
    has_photo: bool = False
    customer_id: int | None = None
    customer_name: str | None = None
    matched_by: str | None = None
    candidates: tuple[Candidate, ...] = ()
    line_id: int | None = None
    product: str | None = None
    unit: str | None = None
    bought: Decimal | None = None
    line_options: tuple[LineOption, ...] = ()
    not_bought: str | None = None
    no_orders: bool = False
    reason: Reason | None = None
    quantity: Decimal | None = None
    quantity_by_leader: bool = False
    unopened: bool | None = None
    eligible: bool | None = None
    refund_amount: Decimal | None = None
    review: str | None = None
    refusal: str | None = None
    missing: tuple[str, ...] = ()
    photo_waived: bool = False
    evidence_ids: tuple[int, ...] = ()
    case_id: int | None = None
    case_ref: str | None = None
    already_open: bool = False
    dropped: bool = False

    @property
    def status(self) -> ItemStatus:
        if self.case_id is not None:
            return ItemStatus.CREATED
        if self.dropped:
            return ItemStatus.DROPPED
        if self.customer_id is None:
            return ItemStatus.CHOOSE_CUSTOMER if self.candidates else ItemStatus.UNKNOWN_CUSTOMER
        if self.no_orders:
            return ItemStatus.NO_ORDERS
        if self.not_bought:
            return ItemStatus.NOT_BOUGHT
        if self.line_id is None:
            return ItemStatus.CHOOSE_LINE
        if self.reason is None:
            return ItemStatus.NEEDS_REASON
        if self.eligible is False:
            return ItemStatus.REFUSED
        if "unopened" in self.missing:
            return ItemStatus.NEEDS_UNOPENED
        return ItemStatus.READY


@dataclass(frozen=True)
class ForwardDraft:
    """A forward and its numbered items; ``forward_id`` None when nothing was a complaint.

    ``repeated`` says the same text had been forwarded before: this is that forward,
    with the cases (``case_refs``) it already made.
    """

    forward_id: int | None
    leader_id: int
    state: ForwardState | None
    items: tuple[ForwardItem, ...]
    case_refs: tuple[str, ...] = ()
    repeated: bool = False

    @property
    def empty(self) -> bool:
        return not self.items

    def item(self, number: int) -> ForwardItem | None:
        return next((item for item in self.items if item.number == number), None)

    @property
    def ready(self) -> tuple[int, ...]:
        return tuple(i.number for i in self.items if i.status is ItemStatus.READY)


# --- JSON ------------------------------------------------------------------------------

_DECIMALS = ("bought", "quantity", "refund_amount")


def encode(value: Any) -> Any:
    """``value`` as JSON can hold it: decimals as strings, enums as their values."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def item_json(item: ForwardItem) -> dict[str, Any]:
    """The item as stored in ``LeaderForward.items``."""
    return encode(asdict(item))


def item_from_json(data: dict[str, Any]) -> ForwardItem:
    """The item ``item_json`` stored."""
    values = dict(data)
    for name in _DECIMALS:
        if values.get(name) is not None:
            values[name] = Decimal(values[name])
    values["reason"] = Reason(values["reason"]) if values.get("reason") else None
    values["candidates"] = tuple(Candidate(**c) for c in values.get("candidates") or ())
    values["line_options"] = tuple(
        LineOption(**{**o, "quantity": Decimal(o["quantity"])})
        for o in values.get("line_options") or ()
    )
    values["missing"] = tuple(values.get("missing") or ())
    values["evidence_ids"] = tuple(values.get("evidence_ids") or ())
    return ForwardItem(**values)


def text_hash(text: str) -> str:
    """The forward's identity: SHA-256 of the text, NFKC, whitespace runs as one space."""
    normal = " ".join(unicodedata.normalize("NFKC", text or "").split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


# --- the summary -----------------------------------------------------------------------


def _amount(item: ForwardItem) -> str:
    quantity = item.quantity if item.quantity is not None else item.bought
    return f"{answers.plain_number(quantity)}{item.unit}" if quantity is not None else ""


def _who(item: ForwardItem) -> str:
    """The customer as the leader knows them: the group nickname, with the customer's name
    when the match was not by exactly that nickname or name."""
    speaker = item.speaker or ""
    if item.customer_name is None:
        return speaker or "?"
    if item.matched_by in ("nickname", "name") and speaker:
        return speaker
    return f"{speaker}（{item.customer_name}）" if speaker else item.customer_name


def _notes(item: ForwardItem) -> str:
    notes = []
    if item.photo_waived and not item.evidence_ids:
        notes.append(messages.FORWARD_NOTE_GROUP_PHOTO if item.has_photo
                     else messages.FORWARD_NOTE_NO_PHOTO)
    if item.review == "platform":
        notes.append(messages.FORWARD_NOTE_PLATFORM)
    if item.anger >= ANGRY:
        notes.append(messages.FORWARD_NOTE_ANGRY)
    return f"（{'，'.join(notes)}）" if notes else ""


def _candidates_text(item: ForwardItem) -> str:
    return " ".join(
        f"{messages.option_mark(i)} {c.name}{'（' + c.nickname + '）' if c.nickname else ''}"
        f" 尾号{c.phone_tail}" for i, c in enumerate(item.candidates, start=1))


def _options_text(item: ForwardItem) -> str:
    return " ".join(
        f"{messages.option_mark(i)} {o.product} {answers.plain_number(o.quantity)}{o.unit}"
        for i, o in enumerate(item.line_options, start=1))


def summary_line(item: ForwardItem) -> str:
    """One numbered line of the summary (see ``summary_lines``)."""
    status = item.status
    reason = messages.FORWARD_REASON[item.reason] if item.reason else ""
    values = {"n": item.number, "who": _who(item), "product": item.product or "",
              "quantity": _amount(item), "reason": reason}
    if status is ItemStatus.CREATED:
        template = messages.FORWARD_ALREADY_OPEN if item.already_open else messages.FORWARD_CREATED
        return template.format(ref=item.case_ref, **values)
    if status is ItemStatus.DROPPED:
        return messages.FORWARD_DROPPED.format(**values)
    if status is ItemStatus.UNKNOWN_CUSTOMER:
        if not item.speaker:
            return messages.FORWARD_NO_SPEAKER.format(**values)
        return messages.FORWARD_UNKNOWN_CUSTOMER.format(**values)
    if status is ItemStatus.CHOOSE_CUSTOMER:
        return messages.FORWARD_CHOOSE_CUSTOMER.format(options=_candidates_text(item), **values)
    if status is ItemStatus.CHOOSE_LINE:
        return messages.FORWARD_CHOOSE_LINE.format(options=_options_text(item), **values)
    if status is ItemStatus.NOT_BOUGHT:
        return messages.FORWARD_NOT_BOUGHT.format(**{**values, "product": item.not_bought})
    if status is ItemStatus.NO_ORDERS:
        return messages.FORWARD_NO_ORDERS.format(**values)
    if status is ItemStatus.NEEDS_REASON:
        return messages.FORWARD_NEEDS_REASON.format(**values)
    if status is ItemStatus.REFUSED:
        return messages.FORWARD_REFUSED.format(rule=item.refusal, **values)
    if status is ItemStatus.NEEDS_UNOPENED:
        return messages.FORWARD_NEEDS_UNOPENED.format(**values)
    return messages.FORWARD_READY.format(amount=messages.money(item.refund_amount),
                                         notes=_notes(item), **values)


def summary_lines(draft: ForwardDraft) -> list[str]:
    """The compact numbered summary the leader reads, one line per complaint, e.g.
    ``1. 小美 丹东草莓 2盒 变质 — 可退 ¥59.80（无照片，请当面核实）`` or
    ``2. 「小王」找不到这位顾客，请回复「2 是 手机尾号1234」``; empty for an empty draft.
    """
    return [summary_line(item) for item in draft.items]
