"""Reliable messaging for channels: accept each platform message once, deliver every
reply or record why it could not be delivered."""
from bot.messaging.dedup import (
    KeyPruner,
    first_time,
    forget,
    forget_old_keys,
    prune_inbound_keys,
)
from bot.messaging.outbox import (
    Delivery,
    OutboxMessage,
    claim_due,
    due_again,
    enqueue,
    mark_delivered,
    mark_failed,
    mark_undeliverable,
    postpone,
    undeliverable_for,
)

__all__ = [
    "Delivery", "KeyPruner", "forget_old_keys", "prune_inbound_keys", "OutboxMessage", "claim_due", "due_again", "enqueue", "first_time", "forget", "mark_delivered",
    "mark_failed", "mark_undeliverable", "postpone", "undeliverable_for",
]
