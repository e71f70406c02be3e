"""Real PostgreSQL, Redis and RabbitMQ on loopback: throw-away PostgreSQL databases (one
per test session, one per module that asks), a Redis database of the tests' own
(``TEST_REDIS_URL``), RabbitMQ at ``TEST_RABBITMQ_URL``.

These tests never skip: without the server they fail, loudly.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database, dropped afterwards."""
    name = f"aftersales_test_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 (turned into a loud failure)
        pytest.fail(f"PostgreSQL is required at {ADMIN_URL} for make test-services: {error}",
                    pytrace=False)
    url = str(make_url(ADMIN_URL).set(database=name))
    yield url
    with admin.connect() as connection:
        connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
        ), {"name": name})
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _create_database(prefix: str) -> str:
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 (turned into a loud failure)
        pytest.fail(f"PostgreSQL is required at {ADMIN_URL} for make test-services: {error}",
                    pytrace=False)
    finally:
        admin.dispose()
    return str(make_url(ADMIN_URL).set(database=name))


def _drop_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
        ), {"name": name})
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database of the test module's own (tests that leave
    Rasa's tables behind do not share the session's database), dropped afterwards."""
    url = _create_database("aftersales_mod")
    yield url
    _drop_database(url)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Redis on loopback (a database of its own for the tests); fails without it."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as error:  # noqa: BLE001
        pytest.fail(f"Redis is required at {REDIS_URL} for make test-services: {error}",
                    pytrace=False)
    return REDIS_URL


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    """RabbitMQ on loopback; fails without it."""
    import asyncio

    import aio_pika

    async def probe() -> None:
        await (await aio_pika.connect(RABBITMQ_URL, timeout=5)).close()

    try:
        asyncio.run(probe())
    except Exception as error:  # noqa: BLE001
        pytest.fail(f"RabbitMQ is required at {RABBITMQ_URL} for make test-services: {error}",
                    pytrace=False)
    return RABBITMQ_URL
