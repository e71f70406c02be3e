"""The outside services of the production profile: PostgreSQL, Redis, RabbitMQ and the
nginx binary — where they are by default, and clear failures when one is missing."""
from __future__ import annotations

import os
import shutil
from urllib.parse import urlsplit

from bot.settings import Settings

#: Where ``make run-prod`` finds its services unless the environment says otherwise.
PROD_DEFAULTS = {
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/bot_prod",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "EVENT_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/",
}


class ServiceMissing(RuntimeError):
    """A service the production profile needs is not there; the message says which."""


def nginx_binary() -> str:
    """The path of the nginx executable.

    Raises:
        ServiceMissing: nginx is not installed.
    """
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    if found is None:
        raise ServiceMissing("nginx is not installed: run `make setup` (installs Debian's "
                             "nginx package) or `apt-get install nginx`.")
    return found


def ensure_postgres_database(url: str) -> bool:
    """Creates the database of ``url`` on its server if it is missing; True if created.

    Raises:
        ServiceMissing: not a PostgreSQL URL, or the server cannot be reached.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ServiceMissing(f"the production profile keeps its data in PostgreSQL; "
                             f"DATABASE_URL is {parsed.get_backend_name()} ({url!r})")
    name = parsed.database
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT",
                          future=True, connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": name}):
                return False
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            return True
    except Exception as error:
        raise ServiceMissing(
            f"PostgreSQL is not reachable at {parsed.host or 'localhost'}:{parsed.port or 5432}"
            f" ({type(error).__name__}: {str(error).strip().splitlines()[0]}). make run-prod "
            "needs PostgreSQL; start it or point DATABASE_URL at one.") from error
    finally:
        admin.dispose()


def check_redis(url: str) -> None:
    """Pings the Redis at ``url``.

    Raises:
        ServiceMissing: it does not answer.
    """
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5).ping()
    except Exception as error:
        raise ServiceMissing(f"Redis is not reachable at {service_address(url)} ({error})."
                             " make run-prod needs Redis for Rasa's lock store; start it or "
                             "set REDIS_URL.") from error


def check_rabbitmq(url: str) -> None:
    """Opens and closes a connection to the RabbitMQ at ``url``.

    Raises:
        ServiceMissing: it cannot be reached.
    """
    import asyncio

    import aio_pika

    async def probe() -> None:
        connection = await aio_pika.connect(url, timeout=5)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as error:
        raise ServiceMissing(f"RabbitMQ is not reachable at {service_address(url)} "
                             f"({type(error).__name__}: {error}). make run-prod needs RabbitMQ"
                             " for conversation events; start it or set EVENT_BROKER_URL.") \
            from error


def service_address(url: str) -> str:
    """host:port of a service URL, never its password."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def check_services(settings: Settings) -> None:
    """Fails with a clear message when a service of the production profile is missing."""
    nginx_binary()
    if not settings.redis_url:
        raise ServiceMissing("REDIS_URL is empty: the replicas need Redis's lock store")
    check_redis(settings.redis_url)
    if not settings.event_broker_url:
        raise ServiceMissing("EVENT_BROKER_URL is empty: the profile publishes conversation "
                             "events to RabbitMQ")
    check_rabbitmq(settings.event_broker_url)
    # Last: it creates the database when the server is there but the database is not.
    ensure_postgres_database(settings.database_url)
    if settings.tracker_store_url != settings.database_url:
        ensure_postgres_database(settings.tracker_store_url)


def prod_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (``os.environ``) with the production defaults for what it leaves unset."""
    env = dict(os.environ if env is None else env)
    for name, value in PROD_DEFAULTS.items():
        if not env.get(name):
            env[name] = value
    return env
