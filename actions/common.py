"""What every action shares: failing politely, knowing the customer, the clock."""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import DBAPIError

from bot.customers import CustomerView, identify
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.policy import Policy, load_policy
from bot.settings import get_settings

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Channels whose sender ids are looked up as another channel's identities:
# the terminal chat talks as a REST sender.
IDENTITY_CHANNEL = {"cmdline": "rest"}


def now() -> datetime:
    """The actions' clock: every action reads the time here."""
    return utcnow()


def policy() -> Policy:
    return load_policy(get_settings().policy_file)


def actor(customer: CustomerView) -> str:
    return f"customer:{customer.id}"


_remembered: ContextVar[dict[Hashable, Any] | None] = ContextVar("remembered", default=None)


@contextmanager
def remembering() -> Iterator[None]:
    """Within the block, ``remembered`` computes each key once.

    For reads a run repeats without changing what they read: rasa-sdk asks a form's
    ``required_slots`` three times per validation call, and each time the claim was
    assessed again (a third of the action server's time under load).
    """
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or inside ``remembering`` what it gave for ``key`` before."""
    memo = _remembered.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def current_customer(tracker: Tracker) -> CustomerView | None:
    """The customer behind this conversation, from the channel and sender id."""
    received = tracker.get_latest_input_channel() or "rest"
    channel = IDENTITY_CHANNEL.get(received, received)

    def identified() -> CustomerView | None:
        with unit_of_work() as session:
            return identify(session, channel, tracker.sender_id)

    return remembered(("customer", channel, tracker.sender_id), identified)


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def _latest_user_event(tracker: Tracker) -> dict[str, Any]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event
    return {}


def latest_metadata(tracker: Tracker) -> dict[str, Any]:
    """Metadata the channel attached to the customer's latest message."""
    return _latest_user_event(tracker).get("metadata") or {}


def latest_raw_text(tracker: Tracker) -> str:
    """The customer's latest message exactly as sent (``latest_text`` is normalised:
    simplified, half-width, lower case), for addresses and the customer's own words."""
    return _latest_user_event(tracker).get("text") or latest_text(tracker)


Attempt = Callable[[CollectingDispatcher], Awaitable[list[dict[str, Any]]]]


async def run_safely(name: str, sender: str, attempt: Attempt,
                     dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """Runs an action's work so the customer never sees a stack trace or silence.

    An unexpected error is logged and the customer gets a short apology instead. Work
    whose database connection was dropped under it (a database restart or failover) is
    run once more on a fresh connection: its transaction was rolled back, and what an
    action changes is keyed (a case by its claim, a refund by its ``out_refund_no``), so
    a second run changes nothing twice. Only the messages of the run that finished reach
    the customer.
    """

    async def once() -> list[dict[str, Any]]:
        said = CollectingDispatcher()
        events = await attempt(said)
        dispatcher.messages.extend(said.messages)
        return events

    def failed() -> list[dict[str, Any]]:
        logger.exception("action %s failed for %s", name, sender)
        dispatcher.utter_message(response="utter_technical_problem")
        return []

    try:
        return await once()
    except DBAPIError as error:
        if not error.connection_invalidated:
            return failed()
        logger.warning("action %s for %s lost its database connection; running it again",
                       name, sender)
    except Exception:
        return failed()
    try:
        return await once()
    except Exception:
        return failed()


class SafeAction(Action, ABC):
    """An action that never leaves the customer with a stack trace or silence
    (``run_safely``); subclasses implement ``act``."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return await run_safely(self.name(), tracker.sender_id,
                                lambda said: self.act(said, tracker, domain), dispatcher)

    @abstractmethod
    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Does the action's work; see ``rasa_sdk.Action.run``."""


class CustomerAction(SafeAction):
    """An action for a known customer; strangers are told politely who we could not find.

    Subclasses implement ``act_for``.
    """

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        customer = current_customer(tracker)
        if customer is None:
            dispatcher.utter_message(response="utter_unknown_customer")
            return []
        return await self.act_for(customer, dispatcher, tracker, domain)

    @abstractmethod
    async def act_for(
        self, customer: CustomerView, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Does the action's work for ``customer``."""
