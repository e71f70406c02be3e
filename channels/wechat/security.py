"""Is this request from WeChat? Signatures, timestamps and safe (AES) mode.

WeChat signs every callback with SHA-1 over the sorted token, timestamp and nonce
(plus the ciphertext in safe mode). Signatures are compared in constant time;
replayed nonces are refused by the channel, which keeps them in the database.
"""
from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Mapping

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

from bot.settings import WeChatSettings
from channels.wechat import wire

MAX_AGE_SECONDS = 300


class Rejected(Exception):
    """The request is not (or no longer) WeChat's: answer 403 and process nothing."""


def sign(token: str, timestamp: str, nonce: str, encrypted: str | None = None) -> str:
    """WeChat's signature: SHA-1 of the sorted, concatenated parts."""
    parts = [token, timestamp, nonce] + ([encrypted] if encrypted is not None else [])
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def check_query(token: str, query: Mapping[str, str], now: float) -> tuple[str, str]:
    """Checks ``signature`` and the freshness of ``timestamp``.

    Args:
        token: The token configured in the Official Account's server settings.
        query: The request's query parameters (first value of each).
        now: The current Unix time.

    Returns:
        ``(timestamp, nonce)`` of the accepted request.

    Raises:
        Rejected: a parameter is missing, the signature is wrong or the timestamp is
            more than ``MAX_AGE_SECONDS`` away from now.
    """
    timestamp, nonce, signature = (query.get(k) or "" for k in ("timestamp", "nonce", "signature"))
    if not (timestamp and nonce and signature):
        raise Rejected("missing signature, timestamp or nonce")
    if not _same(sign(token, timestamp, nonce), signature):
        raise Rejected("bad signature")
    try:
        sent_at = int(timestamp)
    except ValueError as error:
        raise Rejected("timestamp is not a number") from error
    if abs(now - sent_at) > MAX_AGE_SECONDS:
        raise Rejected(f"stale timestamp ({int(now - sent_at)} s old)")
    return timestamp, nonce


def is_encrypted(query: Mapping[str, str]) -> bool:
    """Whether WeChat says the body is encrypted (safe or compatible mode)."""
    return (query.get("encrypt_type") or "raw").lower() == "aes"


def decrypt(settings: WeChatSettings, query: Mapping[str, str], body: bytes) -> str:
    """The plaintext XML inside a safe-mode envelope, after checking ``msg_signature``.

    Raises:
        Rejected: ``msg_signature`` does not match the ciphertext.
        wire.Malformed: the envelope or ciphertext cannot be read, or was made for
            another app id.
    """
    if not settings.aes_key:
        raise wire.Malformed("encrypted message, but no WECHAT_AES_KEY is configured")
    envelope = wire.parse_fields(body)
    encrypted = envelope.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise wire.Malformed("no <Encrypt> in the envelope")
    timestamp, nonce = query.get("timestamp") or "", query.get("nonce") or ""
    msg_signature = query.get("msg_signature") or ""
    if not _same(sign(settings.token, timestamp, nonce, encrypted), msg_signature):
        raise Rejected("bad msg_signature")
    try:
        crypto = WeChatCrypto(settings.token, settings.aes_key, settings.app_id)
        return crypto.decrypt_message(envelope, msg_signature, timestamp, nonce)
    except InvalidSignatureException as error:
        raise Rejected("bad msg_signature") from error
    except InvalidAppIdException as error:
        raise wire.Malformed("encrypted for another app id") from error
    except (ValueError, TypeError, IndexError, AssertionError, struct.error) as error:
        raise wire.Malformed(f"cannot decrypt: {error!r}") from error


def encrypt(settings: WeChatSettings, xml: str, nonce: str, timestamp: str) -> str:
    """A safe-mode envelope for ``xml``, as WeChat builds it (used by the simulator)."""
    crypto = WeChatCrypto(settings.token, settings.aes_key, settings.app_id)
    return crypto.encrypt_message(xml, nonce, timestamp)
