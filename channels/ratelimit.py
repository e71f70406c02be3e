"""Rate limits and body-size limits for the public webhooks (REST, WeChat, Telegram).

Two parts:

* :class:`TokenBuckets` — framework-free token buckets keyed by a sender id or a client
  address, on an injectable clock. A bucket holds up to ``burst`` tokens and refills at
  ``per_minute``; a request takes one token or is refused with the seconds until the next
  one. Memory is bounded: a bucket idle long enough to be full again (and past its notice
  window) is the same as no bucket and is dropped as the buckets are used; beyond
  ``max_keys`` the least recently used bucket goes.
* :class:`WebhookGuard` — the thin Sanic hook each channel installs on its blueprint. Once
  Sanic has routed a request, *before it reads the body*, the guard refuses a declared
  body over the route's size limit (413) and an address over its limit (429 with
  ``Retry-After``), and lowers Sanic's body limit for the route, so a chunked body is cut
  off at the same size. Nothing of a refused request is parsed.

The limits are per process: with several replicas behind a load balancer each enforces
its own buckets, so a sender spread over ``n`` replicas may get up to ``n`` times the rate
(sticky routing by client address keeps one address on one replica).

Behind a reverse proxy every request comes from the proxy's address; tell Sanic how many
proxies to trust (``SANIC_PROXIES_COUNT=1`` or ``SANIC_REAL_IP_HEADER=x-real-ip``; Sanic
reads ``SANIC_*`` variables) so ``request.remote_addr`` is the client's.
"""
from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import RateLimitSettings

logger = logging.getLogger(__name__)

SLOW_DOWN = "您发消息有点快，我们先处理前面的消息。请稍等一分钟再发，不用重复发送哦。"
"""Told once per notice window to a WeChat or Telegram customer whose messages are dropped."""

REST_SLOW_DOWN = "您发消息有点快，请{seconds}秒后再发。"
"""The REST channel's 429 message (``{seconds}``: ``Retry-After``)."""

TOO_MANY_REQUESTS = "请求太频繁，请{seconds}秒后再试。"
"""The 429 message for an address over its limit."""

TOO_LARGE = "请求内容太大（最多{limit}字节），未处理。"
"""The 413 message for a body over the webhook's size limit."""

NOTICE_SECONDS = 60.0
"""At most one "slow down" notice per sender in this many seconds."""


@dataclass(frozen=True)
class Rate:
    """A bucket's refill rate and capacity; ``per_minute`` or ``burst`` 0 means no limit."""

    per_minute: float
    burst: int

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0 and self.burst > 0

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0

    @property
    def refill_seconds(self) -> float:
        """How long an empty bucket takes to be full again."""
        return self.burst / self.per_second if self.enabled else 0.0


@dataclass(frozen=True)
class Decision:
    """The answer for one request.

    Attributes:
        allowed: Whether the request may go on (a token was taken, unless peeking).
        retry_after: Seconds until a token is available (0 when allowed).
        notify: Refused, and the first refusal of this key in the notice window: the
            moment to tell the sender once.
    """

    allowed: bool
    retry_after: float = 0.0
    notify: bool = False

    @property
    def retry_after_seconds(self) -> int:
        """``retry_after`` rounded up to whole seconds (at least 1), for ``Retry-After``."""
        return max(1, math.ceil(self.retry_after))


ALLOWED = Decision(True)
_EPSILON = 1e-9


class _Bucket:
    __slots__ = ("tokens", "updated", "noticed_at")

    def __init__(self, tokens: float, now: float) -> None:
        self.tokens = tokens
        self.updated = now
        self.noticed_at: float | None = None


class TokenBuckets:
    """Token buckets by key (sender id, client address), bounded in memory.

    Args:
        rate: Refill rate and capacity of every bucket.
        clock: Monotonic seconds (tests pass a fake one).
        max_keys: Most buckets kept; past it the least recently used one is dropped.
        notice_seconds: A refused key is flagged ``notify`` at most once in this window.
    """

    def __init__(self, rate: Rate, *, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 50_000, notice_seconds: float = NOTICE_SECONDS) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self.rate = rate
        self._clock = clock
        self._max_keys = max_keys
        self._notice_seconds = notice_seconds
        # A bucket untouched this long is full and its notice window over: dropping it
        # changes nothing, so eviction never lets anyone through sooner.
        self._idle_seconds = max(rate.refill_seconds, notice_seconds)
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> Decision:
        """Takes a token for ``key`` if there is one."""
        return self._decide(key, consume=True)

    def peek(self, key: str) -> Decision:
        """Whether ``key`` has a token, without taking it."""
        return self._decide(key, consume=False)

    def _decide(self, key: str, *, consume: bool) -> Decision:
        if not self.rate.enabled:
            return ALLOWED
        now = self._clock()
        self._evict_idle(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            if not consume:
                return ALLOWED
            bucket = self._buckets[key] = _Bucket(float(self.rate.burst), now)
            if len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(self.rate.burst),
                                bucket.tokens + elapsed * self.rate.per_second)
            bucket.updated = now
            self._buckets.move_to_end(key)
        if bucket.tokens >= 1.0 - _EPSILON:  # refills add up in floating point
            if consume:
                bucket.tokens = max(0.0, bucket.tokens - 1.0)
            return ALLOWED
        retry_after = (1.0 - bucket.tokens) / self.rate.per_second
        notify = bucket.noticed_at is None or now - bucket.noticed_at >= self._notice_seconds
        if notify:
            bucket.noticed_at = now
        return Decision(False, retry_after, notify)

    def _evict_idle(self, now: float) -> None:
        """Drops buckets idle for ``_idle_seconds`` (oldest first; stops at a busy one)."""
        while self._buckets:
            key, bucket = next(iter(self._buckets.items()))
            if now - bucket.updated < self._idle_seconds:
                return
            del self._buckets[key]


def sender_buckets(limits: RateLimitSettings, clock: Callable[[], float] = time.monotonic
                   ) -> TokenBuckets:
    """Buckets per sender (messages a customer may send) from the settings."""
    return TokenBuckets(Rate(limits.sender_per_minute, limits.sender_burst), clock=clock,
                        max_keys=limits.max_keys)


def address_buckets(limits: RateLimitSettings, clock: Callable[[], float] = time.monotonic
                    ) -> TokenBuckets:
    """Buckets per client address from the settings."""
    return TokenBuckets(Rate(limits.ip_per_minute, limits.ip_burst), clock=clock,
                        max_keys=limits.max_keys)


# --- the Sanic hook ----------------------------------------------------------------------


class Refused(Exception):
    """A request the guard turned away before its body was read."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


def client_address(request: Request) -> str:
    """The client's address: Sanic's proxy-aware ``remote_addr``, else the peer's."""
    return request.remote_addr or request.ip or "unknown"


def refusal(status: int, message: str, retry_after: int | None = None,
            **extra: Any) -> HTTPResponse:
    """A JSON refusal ``{"error": …, "message": …}`` with ``Retry-After`` when given."""
    error = {413: "too_large", 429: "rate_limited"}.get(status, "refused")
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    body = {"error": error, "message": message, **extra}
    if retry_after is not None:
        body["retry_after"] = retry_after
    return response.json(body, status=status, headers=headers, ensure_ascii=False)


class WebhookGuard:
    """Body size and per-address limits for some routes of one blueprint.

    Args:
        name: The channel, for log lines.
        max_body_bytes: The largest body the guarded routes accept.
        addresses: Per-address buckets (``None``: no address limit).
        count_every_request: ``True`` (REST): every request takes a token of its
            address. ``False`` (WeChat, Telegram, whose requests come from the platform's
            few servers): only requests that fail verification take one — the channel
            calls :meth:`failed` — and an address without tokens is refused before its
            body is read, so a flood of forged requests stops early while the platform's
            genuine traffic is limited per sender, never per address.
    """

    def __init__(self, name: str, max_body_bytes: int, addresses: TokenBuckets | None, *,
                 count_every_request: bool) -> None:
        self.name = name
        self.max_body_bytes = max_body_bytes
        self.addresses = addresses
        self.count_every_request = count_every_request

    def install(self, blueprint: Blueprint, handlers: Iterable[str]) -> Blueprint:
        """Guards the routes of ``blueprint`` whose handler functions are named ``handlers``.

        Returns:
            ``blueprint``, for chaining.
        """
        suffixes = tuple(f".{blueprint.name}.{handler}" for handler in handlers)

        def guarded(route: Any) -> bool:
            return route is not None and str(route.name).endswith(suffixes)

        @blueprint.signal("http.routing.after")
        async def before_body(request: Request, route: Any, **_: Any) -> None:
            if guarded(route):
                self.check(request)

        @blueprint.exception(Refused)
        async def refused(request: Request, error: Refused) -> HTTPResponse:
            return refusal(error.status, error.message, error.retry_after)

        @blueprint.exception(PayloadTooLarge)
        async def too_large(request: Request, error: PayloadTooLarge) -> HTTPResponse:
            logger.warning("%s: a chunked body over %s bytes from %s refused", self.name,
                           self.max_body_bytes, client_address(request))
            return refusal(413, TOO_LARGE.format(limit=self.max_body_bytes))

        return blueprint

    def check(self, request: Request) -> None:
        """Refuses (raises :class:`Refused`) before the body is read, or lets it on.

        Raises:
            Refused: 413 for a declared body over the limit, 429 for an address over its
                limit.
        """
        stream = request.stream
        if stream is not None and getattr(stream, "request_max_size", 0) > self.max_body_bytes:
            stream.request_max_size = self.max_body_bytes  # cuts a chunked body off too
        address = client_address(request)
        if self.addresses is not None:
            decision = (self.addresses.take(address) if self.count_every_request
                        else self.addresses.peek(address))
            if not decision.allowed:
                seconds = decision.retry_after_seconds
                # One line per address and minute, not one per refused request.
                logger.log(logging.WARNING if decision.notify else logging.DEBUG,
                           "%s: %s is over its request limit; refused for %ss", self.name,
                           address, seconds)
                raise Refused(429, TOO_MANY_REQUESTS.format(seconds=seconds), seconds)
        declared = (request.headers.get("content-length") or "").strip()
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            logger.warning("%s: a body of %s bytes from %s refused (limit %s)", self.name,
                           declared, address, self.max_body_bytes)
            self.failed(request)
            if stream is not None:
                # The body stays unread, so the connection cannot carry another request:
                # the answer says "Connection: close" and a client does not reuse it.
                stream.keep_alive = False
            raise Refused(413, TOO_LARGE.format(limit=self.max_body_bytes))

    def failed(self, request: Request) -> None:
        """Counts a request that failed verification against its address (platform mode)."""
        if self.addresses is not None and not self.count_every_request:
            self.addresses.take(client_address(request))
