"""Rasa's configuration as the launcher gives it: the endpoints file (action server,
Redis lock store, RabbitMQ event broker) and the token protecting Rasa's HTTP API."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import yaml

from bot.chat import token_file
from bot.settings import ROOT, Settings

#: Redis keys of Rasa's conversation locks: ``aftersales:lock:<sender id>``.
LOCK_KEY_PREFIX = "aftersales"


def lock_store_config(redis_url: str) -> dict[str, Any]:
    """Rasa's Redis lock store for ``redis://[user:password@]host:port/db`` (Rasa 3.6's
    ``RedisLockStore`` takes host, port and db, not a URL), as
    ``bot.lock_store.AtomicRedisLockStore``: Rasa's own ``type: redis`` changes its locks
    with a non-atomic GET then SET, which loses a turn when two replicas take messages
    of one conversation at the same moment."""
    url = urlsplit(redis_url)
    if url.scheme not in ("redis", "rediss"):
        raise ValueError(f"REDIS_URL must be redis://host:port/db, not {redis_url!r}")
    config: dict[str, Any] = {
        "type": "bot.lock_store.AtomicRedisLockStore",
        "url": url.hostname or "127.0.0.1", "port": url.port or 6379,
        "db": int(url.path.strip("/") or 0), "key_prefix": LOCK_KEY_PREFIX,
    }
    if url.username:
        config["username"] = unquote(url.username)
    if url.password:
        config["password"] = unquote(url.password)
    if url.scheme == "rediss":
        config["use_ssl"] = True
    return config


def event_broker_config(amqp_url: str, queue: str) -> dict[str, Any]:
    """Rasa's ``event_broker: type: pika`` for ``amqp://user:password@host:port/vhost``:
    every tracker event is published to the fanout exchange ``rasa-exchange`` and the
    durable ``queue`` bound to it (``channels.broker_consumer`` reads it)."""
    url = urlsplit(amqp_url)
    if url.scheme not in ("amqp", "amqps"):
        raise ValueError(f"EVENT_BROKER_URL must be amqp://user:password@host:port/, "
                         f"not {amqp_url!r}")
    host, port = url.hostname or "127.0.0.1", url.port or 5672
    vhost = unquote(url.path[1:]) if len(url.path) > 1 else "/"
    return {
        "type": "pika",
        # A vhost other than "/" needs the URL form (Rasa adds the credentials to it).
        "url": host if vhost == "/" else f"{url.scheme}://{host}:{port}/{quote(vhost, safe='')}",
        "port": port,
        "username": unquote(url.username or "guest"),
        "password": unquote(url.password or "guest"),
        "queues": [queue],
    }


def endpoints_config(settings: Settings) -> dict[str, Any]:
    """``endpoints.yml`` with the configured action server address, plus the Redis lock
    store when ``REDIS_URL`` is set and the RabbitMQ event broker when
    ``EVENT_BROKER_URL`` is set (neither by default: ``make run`` is unchanged)."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = settings.action_endpoint_url
    if settings.redis_url:
        endpoints["lock_store"] = lock_store_config(settings.redis_url)
    if settings.event_broker_url:
        endpoints["event_broker"] = event_broker_config(settings.event_broker_url,
                                                        settings.event_queue)
    return endpoints


def write_endpoints(settings: Settings, run_dir: Path, name: str = "endpoints.yml") -> Path:
    """Rasa's endpoints file (``endpoints_config``), readable by this user only (it may
    hold the Redis and RabbitMQ passwords)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / name
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(yaml.safe_dump(endpoints_config(settings), allow_unicode=True,
                                   sort_keys=False), encoding="utf-8")
    return path


def api_token(settings: Settings) -> str:
    """The token protecting Rasa's HTTP API: RASA_API_TOKEN, or a fresh one for this run
    (the desk, in the Rasa process, gets it through the environment)."""
    return settings.rasa_api_token or secrets.token_hex(24)


def write_token(settings: Settings, token: str) -> Path:
    """Leaves the API token where ``make shell`` finds it, readable by this user only."""
    path = token_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(token, encoding="utf-8")
    return path
