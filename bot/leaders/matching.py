"""Who and what a forwarded group message is about: the customer and the order line.

Leaders name customers the way the group does (群昵称), by name, by the last four
digits of a phone, or by a pickup code. Only the customers of the leader's own pickup
point are searched, and nothing is guessed silently:

* an exact nickname or name, a whole phone number or a whole pickup code that fits one
  customer is found; several customers fitting the same exact key are ambiguous;
* a group label that *contains* one customer's nickname or name (``3栋张阿姨`` for
  ``张阿姨``) is found, since groups decorate nicknames; several are ambiguous;
* a label that is only *part* of nicknames or names (``小王`` of ``小王妈妈``) is always
  ambiguous, even with one candidate, so the leader confirms who it is;
* four digits are a phone tail or the tail of a recent pickup code; customers fitting
  either are candidates (one found, several ambiguous).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalogue import CATEGORY_WORDS, mentioned, mentioned_products, normalise
from bot.db import Customer, Order
from bot.db.base import utcnow
from bot.leaders.nicknames import normalise_nickname
from bot.orders import LineView, recent_lines

# Pickup codes older than this are not used to recognise a customer.
PICKUP_CODE_DAYS = 30
_PHONE_WORDS = re.compile(r"^(?:手机尾号|手机号码?|手机|电话号码?|电话|尾号|后四位|后4位)")
_CODE_WORDS = re.compile(r"^(?:取货码|提货码|取件码)")
_FILLER = re.compile(r"^(?:就是|是)|[：:，,。.\s-]")


@dataclass(frozen=True)
class Candidate:
    """A customer the leader may have meant, shown with name and phone tail."""

    customer_id: int
    name: str
    nickname: str | None
    phone_tail: str


@dataclass(frozen=True)
class Found:
    """The one customer meant; ``how`` says by what (nickname, name, label, phone,
    phone_tail, pickup_code)."""

    customer_id: int
    name: str
    nickname: str | None
    phone_tail: str
    how: str


@dataclass(frozen=True)
class Ambiguous:
    """Several customers (or one, by a partial name only) could be meant."""

    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class NotFound:
    """No customer of the pickup point fits."""

    who: str


CustomerMatch = Found | Ambiguous | NotFound


@dataclass(frozen=True)
class LineFound:
    """The order line meant; ``how``: product, category or only_line."""

    line: LineView
    how: str


@dataclass(frozen=True)
class LineAmbiguous:
    """Several recent lines fit; ``product`` is the product named, if one was."""

    options: tuple[LineView, ...]
    product: str | None = None


@dataclass(frozen=True)
class NotBought:
    """The text names a product the customer has not bought recently."""

    product: str


@dataclass(frozen=True)
class NoRecentOrders:
    """The customer has no order lines in the recent period."""


LineMatch = LineFound | LineAmbiguous | NotBought | NoRecentOrders


def _key(text: str) -> str:
    return normalise_nickname(text or "")


def _digits_key(text: str) -> tuple[str, str] | None:
    """``(kind, digits)`` when ``text`` names a customer by digits; kind is phone, code or any."""
    cleaned = "".join(unicodedata.normalize("NFKC", text or "").split())
    cleaned = _FILLER.sub("", cleaned)
    kind = "any"
    if _PHONE_WORDS.match(cleaned):
        kind, cleaned = "phone", _PHONE_WORDS.sub("", cleaned)
    elif _CODE_WORDS.match(cleaned):
        kind, cleaned = "code", _CODE_WORDS.sub("", cleaned)
    cleaned = _FILLER.sub("", cleaned)
    return (kind, cleaned) if cleaned.isdigit() and cleaned.isascii() else None


def _candidate(customer: Customer) -> Candidate:
    return Candidate(customer.id, customer.name, customer.nickname, customer.phone[-4:])


def _found(customer: Customer, how: str) -> Found:
    return Found(customer.id, customer.name, customer.nickname, customer.phone[-4:], how)


def _decide(hits: list[tuple[Customer, str]], *, partial: bool = False) -> CustomerMatch | None:
    """One customer found, several (or any partial) ambiguous, none: ``None``."""
    unique: dict[int, tuple[Customer, str]] = {}
    for customer, how in hits:
        unique.setdefault(customer.id, (customer, how))
    if not unique:
        return None
    if len(unique) == 1 and not partial:
        customer, how = next(iter(unique.values()))
        return _found(customer, how)
    return Ambiguous(tuple(_candidate(c) for c, _ in sorted(unique.values(),
                                                            key=lambda hit: hit[0].id)))


def _by_digits(session: Session, customers: list[Customer], pickup_point_id: int, kind: str,
               digits: str, now: datetime) -> CustomerMatch:
    hits: list[tuple[Customer, str]] = []
    by_id = {c.id: c for c in customers}
    if kind in ("phone", "any"):
        if len(digits) == 11:
            hits += [(c, "phone") for c in customers if c.phone == digits]
        elif len(digits) == 4:
            hits += [(c, "phone_tail") for c in customers if c.phone.endswith(digits)]
    if kind in ("code", "any") and len(digits) in (4, 6):
        pattern = digits if len(digits) == 6 else f"%{digits}"
        orders = session.scalars(select(Order).where(
            Order.pickup_point_id == pickup_point_id,
            Order.customer_id.in_(by_id),
            Order.placed_at >= now - timedelta(days=PICKUP_CODE_DAYS),
            Order.pickup_code.like(pattern),
        )).all()
        hits += [(by_id[o.customer_id], "pickup_code") for o in orders]
    return _decide(hits) or NotFound(digits)


def match_customer(session: Session, pickup_point_id: int, who: str,
                   now: datetime | None = None) -> CustomerMatch:
    """Finds the customer of the pickup point that ``who`` names.

    Args:
        session: The caller's session.
        pickup_point_id: The leader's pickup point; other points' customers are never found.
        who: A group nickname (decorations such as emoji are dropped), a name, a phone
            number or its last four digits (``尾号1234``), or a pickup code
            (``取货码 123456``; four digits may also be a pickup code's tail).
        now: The clock for "recent" pickup codes; the current time when ``None``.

    Returns:
        ``Found``, ``Ambiguous`` (candidates with name and phone tail) or ``NotFound``.
    """
    customers = list(session.scalars(
        select(Customer).where(Customer.pickup_point_id == pickup_point_id).order_by(Customer.id)
    ).all())
    digits = _digits_key(who)
    if digits is not None:
        return _by_digits(session, customers, pickup_point_id, *digits, now or utcnow())
    key = _key(who)
    if not key:
        return NotFound(who or "")
    named = [(c, _key(c.nickname or ""), _key(c.name)) for c in customers]
    exact = [(c, "nickname") for c, nick, _ in named if nick and nick == key]
    exact += [(c, "name") for c, _, name in named if name == key]
    label = [(c, "label") for c, nick, name in named
             if any(len(n) >= 2 and n in key for n in (nick, name) if n)]
    part = [(c, "partial") for c, nick, name in named
            if len(key) >= 2 and any(key in n for n in (nick, name) if n)]
    return _decide(exact) or _decide(label) or _decide(part, partial=True) or NotFound(who)


def _category_lines(text: str, lines: list[LineView]) -> list[LineView]:
    categories = set(mentioned(text, list(CATEGORY_WORDS.items())))
    return [line for line in lines if line.category in categories]


def match_line(session: Session, customer_id: int, text: str, now: datetime) -> LineMatch:
    """Finds the order line of the customer's recent orders that ``text`` is about.

    A product named (by name or alias, the most specific name winning) picks its lines;
    a category word (水果, 蛋糕...) narrows to that kind of goods; with nothing named,
    a customer with one recent line means that line. Several fitting lines are
    ambiguous, never guessed.

    Args:
        session: The caller's session.
        customer_id: The customer, already matched.
        text: What the customer wrote.
        now: The clock for "recent" (``bot.orders.RECENT_DAYS``).

    Returns:
        ``LineFound``, ``LineAmbiguous``, ``NotBought`` (a catalogue product the customer
        did not buy recently) or ``NoRecentOrders``.
    """
    lines = recent_lines(session, customer_id, now)
    if not lines:
        return NoRecentOrders()
    named = mentioned(text, [(line, line.product_names) for line in lines])
    if named:
        products = {line.product_id for line in named}
        product = named[0].product_name if len(products) == 1 else None
        if len(named) == 1:
            return LineFound(named[0], "product")
        return LineAmbiguous(tuple(named), product)
    other = mentioned_products(session, text)
    if other:
        return NotBought(other[0].name)
    kind = _category_lines(text, lines)
    if len(kind) == 1:
        return LineFound(kind[0], "category")
    if kind:
        return LineAmbiguous(tuple(kind))
    if len(lines) == 1:
        return LineFound(lines[0], "only_line")
    return LineAmbiguous(tuple(lines))


def line_by_answer(lines: list[LineView] | tuple[LineView, ...], answer: str) -> LineView | None:
    """The one line among ``lines`` whose product ``answer`` names, else ``None``."""
    if not normalise(answer):
        return None
    named = mentioned(answer, [(line, line.product_names) for line in lines])
    return named[0] if len(named) == 1 else None
