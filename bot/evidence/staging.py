"""Photos a channel took from a group leader, staged until the leader's assistant knows
whose evidence they are.

A leader's photo belongs to the customer of whichever case the leader means, and only the
leader's assistant (the action server) works that out. So the channel (the Rasa process)
downloads and checks the picture as it does customers' photos, writes it to the
content-addressed store and records ``evidence.staged`` in the audit trail under a
random id bound to the chat it came from; Rasa gets only that id, as message metadata
``{"staged_photo": id}``. The action server shares the database and the data directory
and turns the staged photo into the case customer's evidence with ``take_staged``: only
for the same chat, once, within ``STAGED_TTL``. A download address (Telegram's contains
the bot token) is never handed on or stored, and metadata a REST client makes up cannot
name somebody else's photo.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.db import AuditEntry
from bot.evidence.errors import MissingEvidence, StagedPhotoNotFound
from bot.evidence.store import EvidenceView, save_file, store_photo, stored_path

METADATA_KEY = "staged_photo"
STAGED_TTL = timedelta(hours=1)
ENTITY = "staged_photo"
STAGED = "evidence.staged"
TAKEN = "evidence.staged_taken"


def _actor(channel: str, sender: str) -> str:
    return f"{channel}:{sender}"


def stage_photo(session: Session, data: bytes, *, channel: str, sender: str, source: str,
                evidence_dir: Path) -> str:
    """Checks and stores the picture, and records it as staged by the chat.

    Args:
        session: The caller's unit of work (the record commits with it).
        data: The picture's bytes.
        channel: The input channel it came in on (``telegram``, ``wechat``).
        sender: The chat's sender id on that channel.
        source: Where it came from, for the evidence record; never an address with a
            secret in it (e.g. ``telegram:<file_unique_id>``).
        evidence_dir: The content-addressed store.

    Returns:
        The staged photo's id, for the message metadata.

    Raises:
        NotAnImage: the bytes are not an acceptable picture.
    """
    saved = save_file(data, evidence_dir)
    staged_id = secrets.token_urlsafe(18)
    audit.record(session, _actor(channel, sender), STAGED, ENTITY, staged_id,
                 sha256=saved.sha256, path=saved.path, channel=channel, sender=sender,
                 source=source)
    return staged_id


def take_staged(session: Session, staged_id: str, *, channel: str, sender: str,
                customer_id: int, evidence_dir: Path, now: datetime) -> EvidenceView:
    """Stores a staged photo as evidence of ``customer_id`` (not yet on a case).

    Args:
        session: The caller's unit of work.
        staged_id: The id from the message metadata.
        channel: The input channel of the message that carried the id.
        sender: The message's sender id.
        customer_id: Whose evidence it becomes.
        evidence_dir: The content-addressed store.
        now: When.

    Raises:
        StagedPhotoNotFound: no such staged photo from this chat within ``STAGED_TTL``,
            it was taken already, or its file is missing or changed.
    """
    entry = session.scalars(select(AuditEntry).where(
        AuditEntry.action == STAGED, AuditEntry.entity == ENTITY,
        AuditEntry.entity_id == str(staged_id), AuditEntry.at >= now - STAGED_TTL)).first()
    detail = entry.detail if entry is not None else {}
    if detail.get("channel") != channel or detail.get("sender") != sender:
        raise StagedPhotoNotFound(staged_id)
    taken = session.scalars(select(AuditEntry.id).where(
        AuditEntry.action == TAKEN, AuditEntry.entity == ENTITY,
        AuditEntry.entity_id == str(staged_id))).first()
    if taken is not None:
        raise StagedPhotoNotFound(f"{staged_id} taken already")
    try:
        data = stored_path(evidence_dir, detail["path"]).read_bytes()
    except (MissingEvidence, OSError) as error:
        raise StagedPhotoNotFound(f"{staged_id}: file missing") from error
    if hashlib.sha256(data).hexdigest() != detail.get("sha256"):
        raise StagedPhotoNotFound(f"{staged_id}: file changed")
    stored = store_photo(session, data, customer_id=customer_id, evidence_dir=evidence_dir,
                         conversation_id=sender, source_url=detail.get("source"))
    audit.record(session, _actor(channel, sender), TAKEN, ENTITY, staged_id,
                 evidence_id=stored.id, customer_id=customer_id)
    return stored
