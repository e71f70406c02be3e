"""Filtered transcripts exported as CSV (one row per turn) or JSONL (one conversation per
line): masked, limited in size, and audited.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot import audit
from bot.review.conversations import count, matching
from bot.review.errors import ExportTooLarge
from bot.review.filters import ConversationFilter
from bot.review.transcript import turns_of
from bot.review.views import summaries

MAX_CONVERSATIONS = 1000
CSV_COLUMNS = ("conversation", "sender_id", "channel", "customer", "pickup_point", "at",
               "speaker", "agent", "text", "intent", "confidence", "anger", "entities")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(str, Enum):
    CSV = "csv"
    JSONL = "jsonl"


@dataclass(frozen=True)
class Export:
    body: bytes
    filename: str
    media_type: str
    conversations: int


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _rows(session: Session, tracker: Connection, criteria: ConversationFilter):
    records = list(session.scalars(matching(criteria).limit(MAX_CONVERSATIONS)))
    for record, summary in zip(records, summaries(session, records)):
        yield summary, turns_of(session, tracker, record, reveal=False)


def _csv(session: Session, tracker: Connection, criteria: ConversationFilter) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for summary, turns in _rows(session, tracker, criteria):
        for turn in turns:
            entities = ";".join(f"{e.entity}={e.value}" for e in turn.entities)
            writer.writerow([safe_cell(v) for v in (
                summary["id"], summary["sender_id"], summary["channel"], summary["customer"],
                summary["pickup_point"], turn.at, turn.kind, turn.agent, turn.text,
                turn.intent, turn.confidence, turn.anger, entities)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _jsonl(session: Session, tracker: Connection, criteria: ConversationFilter) -> bytes:
    lines = [json.dumps({**summary, "turns": [turn.as_dict() for turn in turns]},
                        ensure_ascii=False)
             for summary, turns in _rows(session, tracker, criteria)]
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")


def export(session: Session, tracker: Connection, criteria: ConversationFilter,
           fmt: ExportFormat, actor: str, now: datetime) -> Export:
    """The matching conversations' transcripts, with personal data masked.

    Raises:
        ExportTooLarge: more than ``MAX_CONVERSATIONS`` match; nothing is exported.
    """
    matched = count(session, criteria, cap=MAX_CONVERSATIONS)
    if matched > MAX_CONVERSATIONS:
        raise ExportTooLarge(matched, MAX_CONVERSATIONS)
    body = (_csv if fmt is ExportFormat.CSV else _jsonl)(session, tracker, criteria)
    audit.record(session, actor, "review.transcripts_exported", "conversation_records",
                 "filter", format=fmt.value, conversations=matched,
                 start=criteria.start.isoformat(), end=criteria.end.isoformat())
    stamp = now.strftime("%Y%m%d-%H%M")
    media = "text/csv; charset=utf-8" if fmt is ExportFormat.CSV \
        else "application/x-ndjson; charset=utf-8"
    return Export(body, f"transcripts-{stamp}.{fmt.value}", media, matched)
