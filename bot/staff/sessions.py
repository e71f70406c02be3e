"""Signed, expiring session tokens for the desk and CSRF tokens bound to them.

A session token is ``payload.signature``: the payload is base64url compact JSON
(account id, role, expiry as Unix seconds, random nonce) and the signature is
HMAC-SHA256 over the encoded payload with a key derived from the console secret.
Nothing is stored server-side, so the desk must still check on every request that the
account exists and is active (a disabled account's tokens then stop working), and that
its role is the one in the token.

The CSRF token for a session is an HMAC of the session token under a separate derived
key: a page gets it with the session, and a state-changing request must send it back.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bot.db.staff import StaffRole

DEFAULT_TTL = timedelta(hours=12)
MAX_TOKEN_LENGTH = 1024


class InvalidSession(Exception):
    """The token is malformed, forged, signed with another secret, or expired."""


@dataclass(frozen=True)
class StaffSession:
    account_id: int
    role: StaffRole
    expires_at: datetime
    nonce: str = ""


def _key(secret: str, purpose: bytes) -> bytes:
    if not secret:
        raise ValueError("the console secret is empty")
    return hmac.new(secret.encode("utf-8"), b"bot.staff:" + purpose, hashlib.sha256).digest()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: str, secret: str) -> str:
    return _b64encode(hmac.new(_key(secret, b"session"), payload.encode("ascii"),
                               hashlib.sha256).digest())


def issue(account_id: int, role: StaffRole | str, secret: str, now: datetime,
          ttl: timedelta = DEFAULT_TTL) -> str:
    """A token for ``account_id`` acting as ``role`` until ``now + ttl``."""
    if now.tzinfo is None:
        raise ValueError("naive datetime given to issue")
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    expires = int((now + ttl).timestamp())
    body = {"a": int(account_id), "r": StaffRole(role).value, "e": expires,
            "n": secrets.token_urlsafe(12)}
    payload = _b64encode(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_sign(payload, secret)}"


def verify(token: str, secret: str, now: datetime) -> StaffSession:
    """The session ``token`` stands for.

    Raises:
        InvalidSession: malformed, bad signature (tampered or another secret), or expired.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidSession("no session token")
    payload, dot, signature = token.partition(".")
    if not dot or not payload or not signature:
        raise InvalidSession("malformed session token")
    try:
        expected = _sign(payload, secret)
    except UnicodeEncodeError as error:
        raise InvalidSession("malformed session token") from error
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8")):
        raise InvalidSession("bad session signature")
    try:
        body = json.loads(_b64decode(payload))
        account_id, role, expires = body["a"], StaffRole(body["r"]), body["e"]
        nonce = str(body.get("n", ""))
        if type(account_id) is not int or type(expires) is not int:
            raise TypeError("bad field types")
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise InvalidSession("malformed session payload") from error
    expires_at = datetime.fromtimestamp(expires, tz=timezone.utc)
    if now >= expires_at:
        raise InvalidSession("session expired")
    return StaffSession(account_id, role, expires_at, nonce)


def csrf_token(session_token: str, secret: str) -> str:
    """The CSRF token that goes with ``session_token``."""
    return _b64encode(hmac.new(_key(secret, b"csrf"), session_token.encode("utf-8"),
                               hashlib.sha256).digest())


def check_csrf(session_token: str | None, submitted: str | None, secret: str) -> bool:
    """Whether ``submitted`` is the CSRF token of ``session_token`` (constant time)."""
    if not session_token or not submitted or not isinstance(submitted, str):
        return False
    expected = csrf_token(session_token, secret)
    return hmac.compare_digest(expected.encode("ascii"), submitted.encode("utf-8"))
