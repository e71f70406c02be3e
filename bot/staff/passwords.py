"""Password hashing with scrypt, the memory-hard KDF in the standard library.

An encoded hash is ``scrypt$n$r$p$salt_b64$hash_b64``: everything needed to verify it
is in the string, so the cost can be raised later without invalidating old hashes.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

MIN_LENGTH = 10
MAX_LENGTH = 1024
N, R, P = 2**14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32
_SCHEME = "scrypt"
# Upper bounds on parameters read from a stored hash, so a corrupted row cannot make
# a verification allocate gigabytes.
_MAX_N, _MAX_R, _MAX_P = 2**20, 32, 16


class WeakPassword(ValueError):
    """The password is too short (or absurdly long) to be accepted."""


def check_strength(password: str) -> None:
    """Raises ``WeakPassword`` unless ``password`` is 10 to 1024 characters."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise WeakPassword(f"password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"password must be at most {MAX_LENGTH} characters")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=128 * r * (n + p + 2) + 1024 * 1024, dklen=length)


def hash_password(password: str, *, n: int = N, r: int = R, p: int = P) -> str:
    """Hashes ``password`` with a fresh 16-byte random salt.

    Raises:
        WeakPassword: shorter than 10 characters.
    """
    check_strength(password)
    salt = os.urandom(SALT_BYTES)
    digest = _derive(password, salt, n, r, p, HASH_BYTES)
    return f"{_SCHEME}${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches ``encoded``, compared in constant time.

    Uses the parameters stored in ``encoded``; a malformed hash never matches.
    """
    try:
        scheme, n_s, r_s, p_s, salt_s, digest_s = encoded.split("$")
        n, r, p = int(n_s), int(r_s), int(p_s)
        salt = base64.b64decode(salt_s, validate=True)
        expected = base64.b64decode(digest_s, validate=True)
    except (AttributeError, ValueError):
        return False
    if (scheme != _SCHEME or not (1 < n <= _MAX_N) or n & (n - 1)
            or not (0 < r <= _MAX_R) or not (0 < p <= _MAX_P) or not salt or not expected):
        return False
    if not isinstance(password, str) or len(password) > MAX_LENGTH:
        return False
    actual = _derive(password, salt, n, r, p, len(expected))
    return hmac.compare_digest(actual, expected)


def needs_rehash(encoded: str) -> bool:
    """Whether ``encoded`` was made with weaker parameters than today's."""
    parts = encoded.split("$")
    return len(parts) != 6 or parts[0] != _SCHEME or parts[1:4] != [str(N), str(R), str(P)]
