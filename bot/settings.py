"""Settings read from the environment, in one place.

Every process (Rasa server, action server, CLI, tests) reads its configuration here;
nothing else in the code base looks at ``os.environ``.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Signs desk sessions when CONSOLE_SECRET is unset: random per process and kept only in
# memory, so every desk session ends when the process restarts.
_PROCESS_CONSOLE_SECRET = secrets.token_urlsafe(32)


@dataclass(frozen=True)
class WeChatSettings:
    """A WeChat Official Account; the channel is off unless token, app id and secret are set."""

    token: str
    app_id: str
    app_secret: str
    aes_key: str | None
    api_base_url: str


@dataclass(frozen=True)
class TelegramSettings:
    """A Telegram bot; the channel is off unless the bot token is set."""

    bot_token: str
    secret_token: str | None
    api_base_url: str


@dataclass(frozen=True)
class WeChatPaySettings:
    """WeChat Pay (v2 API) for refunds to the original payment; off unless app id, merchant
    id and API key are set. Refunds need the merchant's client certificate (``cert_path``,
    ``key_path``) on the real API; a local fake (``api_base_url`` on loopback) needs none."""

    app_id: str
    mch_id: str
    api_key: str = field(repr=False)
    cert_path: str | None
    key_path: str | None
    api_base_url: str
    sign_type: str = "MD5"
    timeout: float = 10.0


@dataclass(frozen=True)
class RateLimitSettings:
    """Token-bucket limits on the public webhooks (``channels.ratelimit``), per process.

    A rate of 0 (or a burst of 0) turns that limit off. ``*_per_minute`` is the steady
    rate a bucket refills at; ``*_burst`` how many requests may come at once.
    """

    sender_per_minute: float = 20.0
    sender_burst: int = 15
    ip_per_minute: float = 300.0
    ip_burst: int = 100
    max_keys: int = 50_000


def _rate_limits(env: dict[str, str]) -> RateLimitSettings:
    """``RATE_LIMIT_*``; a negative number is refused (0 turns a limit off)."""
    defaults = RateLimitSettings()
    values = {
        "sender_per_minute": float(env.get("RATE_LIMIT_SENDER_PER_MINUTE")
                                   or defaults.sender_per_minute),
        "sender_burst": int(env.get("RATE_LIMIT_SENDER_BURST") or defaults.sender_burst),
        "ip_per_minute": float(env.get("RATE_LIMIT_IP_PER_MINUTE") or defaults.ip_per_minute),
        "ip_burst": int(env.get("RATE_LIMIT_IP_BURST") or defaults.ip_burst),
        "max_keys": int(env.get("RATE_LIMIT_MAX_KEYS") or defaults.max_keys),
    }
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"RATE_LIMIT_{name.upper()} must not be negative")
    if values["max_keys"] < 1:
        raise ValueError("RATE_LIMIT_MAX_KEYS must be at least 1")
    return RateLimitSettings(**values)


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
    wechat: "WeChatSettings | None"
    telegram: "TelegramSettings | None"
    console_secret: str = field(repr=False)
    rasa_api_token: str | None = field(default=None, repr=False)
    rasa_url: str = "http://127.0.0.1:5005"
    handoff_claim_timeout: float = 300.0
    service_hours: str = "09:00-21:00"
    service_timezone: str = "Asia/Shanghai"
    minutes_per_customer: float = 6.0
    public_url: str = "http://127.0.0.1:5005"
    rate_limits: RateLimitSettings = field(default_factory=RateLimitSettings)
    wechat_pay: "WeChatPaySettings | None" = None
    refund_max_attempts: int = 5
    refund_retry_seconds: float = 30.0
    # The production profile (``make run-prod``): RabbitMQ for conversation events, how
    # many Rasa replicas and action servers run behind nginx.
    event_broker_url: str | None = field(default=None, repr=False)
    event_queue: str = "aftersales.review_index"
    rasa_replicas: int = 2
    action_servers: int = 2
    wechat_gateways: int = 1
    wechat_gateway_port: int = 5080  # in a container (deploy/); run-prod picks its own
    # How long the Redis lock store retries while Redis is unreachable (a restart)
    # before a message fails with Rasa's LockError.
    redis_retry_seconds: float = 15.0
    # Messages a process's channel inbox handles at once (WeChat). More only lengthens
    # each turn of the event loop, which acknowledgements wait behind: a Rasa process
    # is CPU-bound, so they add no throughput.
    inbox_concurrency: int = 4

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


def _wechat(env: dict[str, str]) -> WeChatSettings | None:
    token, app_id, secret = (env.get(k) for k in ("WECHAT_TOKEN", "WECHAT_APP_ID",
                                                  "WECHAT_APP_SECRET"))
    if not (token and app_id and secret):
        return None
    return WeChatSettings(token, app_id, secret, env.get("WECHAT_AES_KEY") or None,
                          (env.get("WECHAT_API_BASE_URL") or "https://api.weixin.qq.com").rstrip("/"))


def _telegram(env: dict[str, str]) -> TelegramSettings | None:
    token = env.get("TELEGRAM_BOT_TOKEN")
    if not token:
        return None
    return TelegramSettings(token, env.get("TELEGRAM_SECRET_TOKEN") or None,
                            (env.get("TELEGRAM_API_BASE_URL") or "https://api.telegram.org").rstrip("/"))


WECHAT_PAY_API = "https://api.mch.weixin.qq.com"
SIGN_TYPES = ("MD5", "HMAC-SHA256")


def _wechat_pay(env: dict[str, str]) -> WeChatPaySettings | None:
    """WeChat Pay when app id, merchant id and API key are set.

    Raises:
        ValueError: a half-done configuration: only a certificate or only its key, an
            unknown sign type, or the real (HTTPS) API without a client certificate.
    """
    app_id, mch_id, key = (env.get(k) for k in ("WECHAT_PAY_APP_ID", "WECHAT_PAY_MCH_ID",
                                                "WECHAT_PAY_API_KEY"))
    if not (app_id and mch_id and key):
        return None
    cert, cert_key = env.get("WECHAT_PAY_CERT") or None, env.get("WECHAT_PAY_KEY") or None
    base = (env.get("WECHAT_PAY_API_BASE_URL") or WECHAT_PAY_API).rstrip("/")
    sign_type = (env.get("WECHAT_PAY_SIGN_TYPE") or "MD5").upper()
    if sign_type not in SIGN_TYPES:
        raise ValueError(f"WECHAT_PAY_SIGN_TYPE must be one of {', '.join(SIGN_TYPES)}")
    if bool(cert) != bool(cert_key):
        raise ValueError("WECHAT_PAY_CERT and WECHAT_PAY_KEY go together")
    if base.startswith("https://") and not cert:
        raise ValueError("WeChat Pay refunds need the merchant certificate: "
                         "set WECHAT_PAY_CERT and WECHAT_PAY_KEY")
    return WeChatPaySettings(app_id, mch_id, key, cert, cert_key, base, sign_type,
                             float(env.get("WECHAT_PAY_TIMEOUT", "10")))


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Builds settings from an environment mapping (``os.environ`` by default)."""
    env = dict(os.environ if env is None else env)
    database_url = _absolute_sqlite(env.get("DATABASE_URL") or _default_database_url())
    actions_port = int(env.get("ACTIONS_PORT", "5055"))
    policy_file = env.get("POLICY_FILE")
    rasa_port = int(env.get("RASA_PORT", "5005"))
    return Settings(
        database_url=database_url,
        tracker_store_url=_absolute_sqlite(env.get("TRACKER_STORE_URL") or database_url),
        data_dir=Path(env.get("DATA_DIR") or ROOT / "var"),
        rasa_port=rasa_port,
        actions_port=actions_port,
        redis_url=env.get("REDIS_URL") or None,
        action_endpoint_url=env.get("ACTION_ENDPOINT_URL")
        or f"http://127.0.0.1:{actions_port}/webhook",
        policy_file=Path(policy_file) if policy_file else None,
        photo_max_bytes=int(env.get("PHOTO_MAX_BYTES", str(10 * 1024 * 1024))),
        photo_fetch_timeout=float(env.get("PHOTO_FETCH_TIMEOUT", "8")),
        wechat=_wechat(env),
        telegram=_telegram(env),
        console_secret=env.get("CONSOLE_SECRET") or _PROCESS_CONSOLE_SECRET,
        rasa_api_token=env.get("RASA_API_TOKEN") or None,
        rasa_url=(env.get("RASA_URL") or f"http://127.0.0.1:{rasa_port}").rstrip("/"),
        handoff_claim_timeout=float(env.get("HANDOFF_CLAIM_TIMEOUT", "300")),
        service_hours=env.get("SERVICE_HOURS") or "09:00-21:00",
        service_timezone=env.get("SERVICE_TIMEZONE") or "Asia/Shanghai",
        minutes_per_customer=float(env.get("HANDOFF_MINUTES_PER_CUSTOMER", "6")),
        public_url=(env.get("PUBLIC_URL") or env.get("RASA_URL")
                    or f"http://127.0.0.1:{rasa_port}").rstrip("/"),
        rate_limits=_rate_limits(env),
        wechat_pay=_wechat_pay(env),
        refund_max_attempts=max(1, int(env.get("REFUND_MAX_ATTEMPTS", "5"))),
        refund_retry_seconds=float(env.get("REFUND_RETRY_SECONDS", "30")),
        event_broker_url=env.get("EVENT_BROKER_URL") or None,
        event_queue=env.get("EVENT_BROKER_QUEUE") or "aftersales.review_index",
        rasa_replicas=max(1, int(env.get("RASA_REPLICAS", "2"))),
        action_servers=max(1, int(env.get("ACTION_SERVERS", "2"))),
        wechat_gateways=max(0, int(env.get("WECHAT_GATEWAYS", "1"))),
        wechat_gateway_port=int(env.get("WECHAT_GATEWAY_PORT", "5080")),
        redis_retry_seconds=max(0.0, float(env.get("REDIS_RETRY_SECONDS") or "15")),
        inbox_concurrency=max(1, int(env.get("INBOX_CONCURRENCY") or "4")),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
