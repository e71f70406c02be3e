"""The audit trail: every state change anywhere in the system is appended here."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.db import AuditEntry


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    **detail: Any,
) -> AuditEntry:
    """Adds an audit entry to the caller's unit of work.

    Args:
        session: The unit of work's session; the entry commits with the change it
            describes, or not at all.
        actor: Who did it, e.g. ``"customer:12"``, ``"bot"``, ``"leader:3"``.
        action: What happened, e.g. ``"case.opened"``.
        entity: The kind of thing changed, e.g. ``"return_case"``.
        entity_id: Its identifier.
        **detail: JSON-serialisable particulars.
    """
    entry = AuditEntry(
        actor=actor, action=action, entity=entity, entity_id=str(entity_id), detail=detail
    )
    session.add(entry)
    return entry
