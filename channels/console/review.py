"""The leads' review, one unit of work per request: the console's side of ``bot.review``.

Each function opens its own session (and a tracker store connection where events are
read), so the API handlers run them in a worker thread.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot import audit
from bot.db import Evidence, Leader, PickupPoint
from bot.db.review import ConversationRecord
from bot.db.session import get_sessionmaker, unit_of_work
from bot.evidence.images import ALLOWED_FORMATS
from bot.nlu.contract import CONTRACT_INTENTS
from bot.review import annotations
from bot.review.conversations import list_page
from bot.review.errors import ConversationNotFound
from bot.review.events import tracker_engine
from bot.review.export import Export, ExportFormat, export
from bot.review.filters import ConversationFilter, Outcome, parse_filter
from bot.review.indexer import ConversationIndexer
from bot.review.nlu_export import reviewed_examples, to_yaml, training_examples
from bot.review.transcript import annotations as annotations_on
from bot.review.transcript import record_or_404, transcript
from bot.review.views import summaries
from bot.settings import ROOT, get_settings
from channels.console import texts
from channels.console.errors import Refusal

NLU_DIR = ROOT / "data" / "nlu"


@dataclass(frozen=True)
class Download:
    body: bytes
    filename: str
    media_type: str


def indexer(tracker: Engine | None = None) -> ConversationIndexer:
    """An indexer from the configured tracker store into the product database."""
    return ConversationIndexer(get_sessionmaker(), tracker or tracker_engine())


def criteria_of(params: Mapping[str, Sequence[str]], now: datetime) -> ConversationFilter:
    zone = get_settings().service_timezone
    return parse_filter(params, now.astimezone(ZoneInfo(zone)).date(), zone)


def options() -> dict[str, Any]:
    """What the filter form offers: pickup points with their leaders, intents, outcomes."""
    with unit_of_work() as session:
        points = session.execute(
            select(PickupPoint.id, PickupPoint.name, Leader.name)
            .outerjoin(Leader, Leader.pickup_point_id == PickupPoint.id)
            .order_by(PickupPoint.code)).all()
        channels = session.scalars(select(ConversationRecord.channel).distinct()
                                   .where(ConversationRecord.channel.is_not(None))).all()
    return {"points": [{"id": pid, "name": name, "leader": leader}
                       for pid, name, leader in points],
            "channels": sorted(set(channels) | {"rest", "wechat", "telegram"}),
            "intents": [*CONTRACT_INTENTS, "nlu_fallback"],
            "outcomes": [outcome.value for outcome in Outcome]}


def conversations(criteria: ConversationFilter, cursor: str | None,
                  limit: int) -> dict[str, Any]:
    indexer().catch_up()
    with unit_of_work() as session:
        page = list_page(session, criteria, cursor=cursor, limit=limit)
        return {"conversations": summaries(session, page.records),
                "next_cursor": page.next_cursor, "total": page.total,
                "total_capped": page.total_capped}


def conversation(record_id: int, staff_id: int, *, reveal: bool,
                 now: datetime) -> dict[str, Any]:
    """The transcript; revealing personal data is recorded in the audit trail."""
    with unit_of_work() as session, tracker_engine().connect() as tracker:
        view = transcript(session, tracker, record_id, reveal=reveal)
        if reveal:
            audit.record(session, f"staff:{staff_id}", "review.personal_data_revealed",
                         "conversation_record", record_id, at=now.isoformat())
        return view


def annotate(record_id: int, staff_id: int, body: dict[str, Any],
             now: datetime) -> list[dict[str, Any]]:
    with unit_of_work() as session, tracker_engine().connect() as tracker:
        annotations.add(session, tracker, record_id, staff_id, body, now)
    with unit_of_work() as session:
        return annotations_on(session, record_id)


def unannotate(annotation_id: int, staff_id: int, now: datetime) -> list[dict[str, Any]]:
    with unit_of_work() as session:
        record_id = annotations.remove(session, annotation_id, staff_id, now)
    with unit_of_work() as session:
        return annotations_on(session, record_id)


def nlu_download(staff_id: int, now: datetime) -> Download:
    """The reviewed examples as Rasa NLU YAML (audited)."""
    with unit_of_work() as session:
        examples = reviewed_examples(session)
        audit.record(session, f"staff:{staff_id}", "review.nlu_exported", "review_annotations",
                     "wrong_intent", examples=sum(len(texts) for texts in examples.values()))
    body = to_yaml(examples, training_examples(NLU_DIR))
    return Download(body.encode("utf-8"), f"reviewed-{now:%Y%m%d}.yml",
                    "application/x-yaml; charset=utf-8")


def transcripts_download(criteria: ConversationFilter, fmt: ExportFormat, staff_id: int,
                         now: datetime) -> Export:
    indexer().catch_up()
    with unit_of_work() as session, tracker_engine().connect() as tracker:
        return export(session, tracker, criteria, fmt, f"staff:{staff_id}", now)


def photo(evidence_id: int, record_id: int) -> tuple[Path, str]:
    """A photo the conversation's customer sent.

    Raises:
        Refusal (404): no such photo, or not this conversation's customer's.
    """
    root = get_settings().evidence_dir.resolve()
    with unit_of_work() as session:
        try:
            record = record_or_404(session, record_id)
        except ConversationNotFound:
            raise Refusal(404, texts.EVIDENCE_NOT_FOUND) from None
        evidence = session.get(Evidence, evidence_id)
        if (evidence is None or record.customer_id is None
                or evidence.customer_id != record.customer_id
                or evidence.mime_type not in ALLOWED_FORMATS.values()):
            raise Refusal(404, texts.EVIDENCE_NOT_FOUND)
        path = (root / evidence.path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Refusal(404, texts.EVIDENCE_NOT_FOUND)
    return path, evidence.mime_type

