"""An action run may remember what it read (``remembering``); nothing outlives the run,
so the next message sees the database as it is."""
from __future__ import annotations

from sqlalchemy import select

from actions.common import current_customer, remembered, remembering
from bot.db import ChannelIdentity, Customer
from bot.db.session import unit_of_work
from tests.actions.trackers import tracker


def _bind(sender: str) -> None:
    with unit_of_work() as session:
        customer_id = session.scalars(select(Customer.id).order_by(Customer.id)).first()
        session.add(ChannelIdentity(channel="rest", external_id=sender, customer_id=customer_id))


def test_outside_a_run_every_read_is_fresh(app_db):
    conversation = tracker("new-sender", "你好")
    assert current_customer(conversation) is None
    _bind("new-sender")
    assert current_customer(conversation) is not None


def test_within_a_run_a_read_is_made_once_and_forgotten_after(app_db):
    conversation = tracker("new-sender", "你好")
    with remembering():
        assert current_customer(conversation) is None
        _bind("new-sender")
        assert current_customer(conversation) is None, "remembered within the run"
    assert current_customer(conversation) is not None, "the next run reads again"


def test_remembered_values_are_kept_apart_by_key():
    computed = []
    with remembering():
        for key in ("a", "b", "a", "b"):
            remembered(key, lambda key=key: computed.append(key) or key.upper())
    assert computed == ["a", "b"]
