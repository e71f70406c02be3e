"""The settings the production profile hands its processes — the same names deploy/
gives its containers."""
from __future__ import annotations

import os

from bot.prod.topology import ProdTopology
from bot.settings import Settings

#: What the launcher sets for every product process (Rasa replicas and action servers);
#: deploy/compose.yaml and deploy/k8s/ give their containers the same names
#: (tests/services/test_deploy_files.py keeps them in step).
PRODUCT_ENV = ("DATABASE_URL", "TRACKER_STORE_URL", "REDIS_URL", "EVENT_BROKER_URL",
               "EVENT_BROKER_QUEUE", "DATA_DIR", "RASA_API_TOKEN", "CONSOLE_SECRET",
               "RASA_URL", "PUBLIC_URL", "ACTION_ENDPOINT_URL")

#: Set for the processes nginx passes the public's requests to (Rasa replicas, WeChat
#: gateways): Sanic takes the client's address from nginx's X-Forwarded-For (one proxy),
#: so per-IP limits and sign-in records see the client.
PROXIED_ENV = {"SANIC_PROXIES_COUNT": "1"}


def product_env(settings: Settings, topology: ProdTopology, token: str,
                console_secret: str) -> dict[str, str]:
    """The settings every product process of the profile gets (names: ``PRODUCT_ENV``)."""
    host = topology.host
    env = {
        "DATABASE_URL": settings.database_url,
        "TRACKER_STORE_URL": settings.tracker_store_url,
        "REDIS_URL": settings.redis_url or "",
        "EVENT_BROKER_URL": settings.event_broker_url or "",
        "EVENT_BROKER_QUEUE": settings.event_queue,
        "DATA_DIR": str(settings.data_dir),
        "RASA_API_TOKEN": token,
        "CONSOLE_SECRET": console_secret,
        "RASA_URL": topology.url,
        "PUBLIC_URL": settings.public_url if os.environ.get("PUBLIC_URL") else topology.url,
        "ACTION_ENDPOINT_URL": f"http://{host}:{topology.actions_port}/webhook",
    }
    assert tuple(env) == PRODUCT_ENV
    return env
