"""Rasa's SQL tracker store, configured by a database URL instead of parts."""
from __future__ import annotations

from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

from bot.settings import get_settings


class UrlSQLTrackerStore(SQLTrackerStore):
    """Stores conversations in the database named by ``TRACKER_STORE_URL``.

    By default that is the product's own database, so a case and the conversation
    that opened it live side by side.
    """

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        url = make_url(get_settings().tracker_store_url)
        super().__init__(
            domain=domain,
            dialect=url.drivername,
            host=url.host,
            port=url.port,
            db=url.database or "",
            username=url.username,
            password=url.password,
            query=dict(url.query) or None,
            event_broker=event_broker,
            **kwargs,
        )
