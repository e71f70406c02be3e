"""Settings read from the environment, in one place.

Every process (Rasa server, action server, CLI, tests) reads its configuration here;
nothing else in the code base looks at ``os.environ``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; see the README's configuration table."""

    database_url: str
    tracker_store_url: str
    data_dir: Path
    rasa_port: int
    actions_port: int
    redis_url: str | None
    action_endpoint_url: str
    policy_file: Path | None
    photo_max_bytes: int
    photo_fetch_timeout: float

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"


def _default_database_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'bot.db'}"


def _absolute_sqlite(url: str) -> str:
    """Makes relative SQLite paths relative to the repository root, not the cwd."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str(ROOT / url[len(prefix):])
    return url


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Builds settings from an environment mapping (``os.environ`` by default)."""
    env = dict(os.environ if env is None else env)
    database_url = _absolute_sqlite(env.get("DATABASE_URL") or _default_database_url())
    actions_port = int(env.get("ACTIONS_PORT", "5055"))
    policy_file = env.get("POLICY_FILE")
    return Settings(
        database_url=database_url,
        tracker_store_url=_absolute_sqlite(env.get("TRACKER_STORE_URL") or database_url),
        data_dir=Path(env.get("DATA_DIR") or ROOT / "var"),
        rasa_port=int(env.get("RASA_PORT", "5005")),
        actions_port=actions_port,
        redis_url=env.get("REDIS_URL") or None,
        action_endpoint_url=env.get("ACTION_ENDPOINT_URL")
        or f"http://127.0.0.1:{actions_port}/webhook",
        policy_file=Path(policy_file) if policy_file else None,
        photo_max_bytes=int(env.get("PHOTO_MAX_BYTES", str(10 * 1024 * 1024))),
        photo_fetch_timeout=float(env.get("PHOTO_FETCH_TIMEOUT", "8")),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
