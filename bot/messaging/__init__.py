"""Reliable messaging for channels: accept each platform message once, deliver every
reply or record why it could not be delivered."""
from bot.messaging.dedup import first_time
from bot.messaging.outbox import (
    Delivery,
    OutboxMessage,
    claim_due,
    enqueue,
    mark_delivered,
    mark_failed,
    mark_undeliverable,
    undeliverable_for,
)

__all__ = [
    "Delivery", "OutboxMessage", "claim_due", "enqueue", "first_time", "mark_delivered",
    "mark_failed", "mark_undeliverable", "undeliverable_for",
]
