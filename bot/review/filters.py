"""The review list's filters: read from query parameters, validated, never trusted.

Every value is checked against a closed set or a strict format before it reaches a query,
and every query binds values as parameters; a bad value raises ``BadFilter`` naming the
field, so staff read which one to fix.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from bot.nlu.contract import CONTRACT_INTENTS
from bot.review.errors import BadFilter

MAX_RANGE_DAYS = 366
DEFAULT_DAYS = 7
MAX_TEXT = 50
MAX_CUSTOMER = 40
KNOWN_INTENTS = frozenset(CONTRACT_INTENTS) | {"nlu_fallback"}
_CHANNEL = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TRUE, _FALSE = {"1", "true", "yes"}, {"0", "false", "no"}


class Outcome(str, Enum):
    """What came of a conversation's after-sales request."""

    CASE_OPENED = "case_opened"
    APPROVED = "approved"
    REJECTED = "rejected"
    REFUNDED = "refunded"
    NO_CASE = "no_case"


@dataclass(frozen=True)
class ConversationFilter:
    """Conversations started between ``start`` and ``end`` (whole days, inclusive, in the
    service time zone) that match every other field given; ``None``/empty means any."""

    start: date
    end: date
    timezone: str = "Asia/Shanghai"
    channels: tuple[str, ...] = ()
    customer: str | None = None
    pickup_point_id: int | None = None
    intents: tuple[str, ...] = ()
    escalated: bool | None = None
    angry: bool | None = None
    fallback: bool | None = None
    outcome: Outcome | None = None
    satisfaction: tuple[int, ...] = ()
    text: tuple[str, ...] = field(default=())

    def window(self) -> tuple[datetime, datetime]:
        """The UTC instants ``[from, to)`` the dates cover."""
        zone = ZoneInfo(self.timezone)
        start = datetime.combine(self.start, time.min, zone)
        end = datetime.combine(self.end + timedelta(days=1), time.min, zone)
        return start, end


def _values(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    raw = params.get(name) or []
    values: list[str] = []
    for item in raw:
        values.extend(part.strip() for part in str(item).split(",") if part.strip())
    return values


def _one(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = _values(params, name)
    if len(values) > 1:
        raise BadFilter(name)
    return values[0] if values else None


def _date(params: Mapping[str, Sequence[str]], name: str) -> date | None:
    value = _one(params, name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(name) from None


def _flag(params: Mapping[str, Sequence[str]], name: str) -> bool | None:
    value = _one(params, name)
    if value is None or value.lower() in {"", "any"}:
        return None
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise BadFilter(name)


def _point(params: Mapping[str, Sequence[str]]) -> int | None:
    value = _one(params, "point")
    if value is None:
        return None
    if not value.isdigit() or len(value) > 9:
        raise BadFilter("point")
    return int(value)


def _scores(params: Mapping[str, Sequence[str]]) -> tuple[int, ...]:
    scores = _values(params, "satisfaction")
    if any(score not in {"1", "2", "3", "4", "5"} for score in scores):
        raise BadFilter("satisfaction")
    return tuple(sorted({int(score) for score in scores}))


def _text(params: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    raw = " ".join(str(item) for item in params.get("q") or [])
    if len(raw) > MAX_TEXT:
        raise BadFilter("q")
    return tuple(dict.fromkeys(word for word in raw.split() if word))


def parse_filter(params: Mapping[str, Sequence[str]], today: date,
                 timezone: str = "Asia/Shanghai") -> ConversationFilter:
    """Reads a filter from query parameters (each name to its list of values).

    Dates are ``YYYY-MM-DD``; without them the last ``DEFAULT_DAYS`` days up to ``today``.
    Lists (``channel``, ``intent``, ``satisfaction``) may repeat or be comma-separated.

    Raises:
        BadFilter: a value is malformed, unknown or out of range.
    """
    end = _date(params, "to") or today
    start = _date(params, "from") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise BadFilter("from", problem="order")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise BadFilter("from", problem="range")
    channels = tuple(dict.fromkeys(_values(params, "channel")))
    if any(not _CHANNEL.match(channel) for channel in channels):
        raise BadFilter("channel")
    intents = tuple(dict.fromkeys(_values(params, "intent")))
    if any(intent not in KNOWN_INTENTS for intent in intents):
        raise BadFilter("intent")
    customer = _one(params, "customer")
    if customer is not None and len(customer) > MAX_CUSTOMER:
        raise BadFilter("customer")
    outcome = _one(params, "outcome")
    try:
        chosen = Outcome(outcome) if outcome else None
    except ValueError:
        raise BadFilter("outcome") from None
    return ConversationFilter(
        start=start, end=end, timezone=timezone, channels=channels, customer=customer,
        pickup_point_id=_point(params), intents=intents, escalated=_flag(params, "escalated"),
        angry=_flag(params, "angry"), fallback=_flag(params, "fallback"), outcome=chosen,
        satisfaction=_scores(params), text=_text(params))
