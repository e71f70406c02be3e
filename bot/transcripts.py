"""A conversation's tracker events as the turns staff read: pure, no I/O.

Rasa's tracker (``GET /conversations/{id}/tracker``) lists events; staff want turns:

- ``customer``: what the customer said, with the intent the assistant understood and
  its confidence, the anger score, and a photo if the message carried one (metadata
  ``evidence_id`` from a channel, or an ``image_url``/an address in the text, matched to
  stored evidence by the caller). A turn is ``misunderstood`` when the intent is
  ``nlu_fallback`` or the confidence is below ``MISUNDERSTOOD_BELOW``.
- ``bot``: the assistant's message and its buttons.
- ``agent``: a message an agent sent from the desk (a ``bot`` event whose metadata
  names the ``agent``).
- ``marker``: the conversation was paused for a person, resumed, or restarted.

Everything else (actions, slots, session starts) is not shown. The agent desk and the
leads' transcript review (``bot.review.transcript``) read the same turns; the review also
passes the tracker store's event ids, so a lead can mark one message.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from typing import Any

CUSTOMER, BOT, AGENT, MARKER = "customer", "bot", "agent", "marker"
PAUSED, RESUMED, RESTARTED = "paused", "resumed", "restarted"
FALLBACK_INTENT = "nlu_fallback"
MISUNDERSTOOD_BELOW = 0.5
_MARKERS = {"pause": PAUSED, "resume": RESUMED, "restart": RESTARTED}
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str
    text: str


@dataclass(frozen=True)
class Turn:
    """One line of the transcript; fields that do not apply to the kind are ``None``."""

    kind: str
    at: str | None
    text: str = ""
    channel: str | None = None
    intent: str | None = None
    confidence: float | None = None
    anger: float | None = None
    misunderstood: bool = False
    evidence_id: int | None = None
    photo_url: str | None = None
    buttons: tuple[Button, ...] = ()
    agent: str | None = None
    staff_id: int | None = None
    marker: str | None = None
    entities: tuple[Entity, ...] = ()
    event_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _time(event: Mapping[str, Any]) -> str | None:
    stamp = event.get("timestamp")
    if not isinstance(stamp, (int, float)) or isinstance(stamp, bool):
        return None
    return datetime.fromtimestamp(stamp, tz=timezone.utc).isoformat()


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _evidence_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _photo_url(event: Mapping[str, Any]) -> str | None:
    url = _dict(event.get("metadata")).get("image_url")
    if isinstance(url, str) and url:
        return url
    match = _URL.search(_text(event.get("text")))
    return match.group(0) if match else None


def photo_urls(events: Iterable[Mapping[str, Any]]) -> set[str]:
    """Image addresses customers sent (metadata ``image_url`` or in the text), so the
    caller can look up which of them were stored as evidence."""
    return {url for event in events if _dict(event).get("event") == "user"
            if (url := _photo_url(event))}


def _entities(parse: Mapping[str, Any]) -> tuple[Entity, ...]:
    raw = parse.get("entities")
    if not isinstance(raw, list):
        return ()
    return tuple(Entity(_text(e.get("entity")), str(e.get("value", "")), _text(e.get("text")))
                 for e in raw if isinstance(e, Mapping) and _text(e.get("entity")))


def _customer(event: Mapping[str, Any], evidence_by_url: Mapping[str, int]) -> Turn:
    parse = _dict(event.get("parse_data"))
    intent = _dict(parse.get("intent"))
    name = intent.get("name") if isinstance(intent.get("name"), str) else None
    confidence = _number(intent.get("confidence"))
    misunderstood = name == FALLBACK_INTENT or (
        name is not None and confidence is not None and confidence < MISUNDERSTOOD_BELOW)
    evidence = _evidence_id(_dict(event.get("metadata")).get("evidence_id"))
    url = _photo_url(event)
    if evidence is None and url is not None:
        evidence = evidence_by_url.get(url)
    channel = event.get("input_channel")
    return Turn(
        kind=CUSTOMER, at=_time(event), text=_text(event.get("text")),
        channel=channel if isinstance(channel, str) else None,
        intent=name, confidence=confidence,
        anger=_number(_dict(parse.get("anger")).get("score")),
        misunderstood=misunderstood, evidence_id=evidence, photo_url=url,
        entities=_entities(parse),
    )


def _buttons(data: Mapping[str, Any]) -> tuple[Button, ...]:
    raw = data.get("buttons")
    if not isinstance(raw, list):
        return ()
    return tuple(Button(_text(b.get("title")), _text(b.get("payload")))
                 for b in raw if isinstance(b, Mapping))


def _bot(event: Mapping[str, Any]) -> Turn | None:
    metadata = _dict(event.get("metadata"))
    text = _text(event.get("text"))
    buttons = _buttons(_dict(event.get("data")))
    agent = metadata.get("agent")
    if isinstance(agent, str) and agent:
        staff_id = metadata.get("staff_id")
        return Turn(kind=AGENT, at=_time(event), text=text, agent=agent,
                    staff_id=staff_id if type(staff_id) is int else None)
    if not text and not buttons:
        return None
    return Turn(kind=BOT, at=_time(event), text=text, buttons=buttons)


def _turn(event: Mapping[str, Any], by_url: Mapping[str, int]) -> Turn | None:
    kind = event.get("event")
    if kind == "user":
        return _customer(event, by_url)
    if kind == "bot":
        return _bot(event)
    if kind in _MARKERS:
        return Turn(kind=MARKER, at=_time(event), marker=_MARKERS[kind])
    return None


def to_turns(events: Iterable[Mapping[str, Any]],
             evidence_by_url: Mapping[str, int] | None = None,
             event_ids: Iterable[int] | None = None) -> list[Turn]:
    """The transcript of ``events`` (Rasa's JSON form, oldest first).

    Args:
        events: The tracker's events.
        evidence_by_url: Stored evidence ids by the address a photo was fetched from
            (see ``photo_urls``), so photos sent as addresses show inline too.
        event_ids: The tracker store's id of each event, in the same order, when known.
    """
    by_url = evidence_by_url or {}
    ids = iter(event_ids) if event_ids is not None else None
    turns: list[Turn] = []
    for event in events:
        event_id = next(ids, None) if ids is not None else None
        turn = _turn(_dict(event), by_url)
        if turn is not None:
            turns.append(replace(turn, event_id=event_id) if event_id is not None else turn)
    return turns
