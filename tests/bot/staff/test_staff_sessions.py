"""Signed session tokens and the CSRF tokens bound to them."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.db.staff import StaffRole
from bot.staff.sessions import InvalidSession, check_csrf, csrf_token, issue, verify

SECRET = "test-console-secret-0123456789"
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)
TTL = timedelta(hours=8)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_round_trip():
    token = issue(7, StaffRole.LEAD, SECRET, NOW, TTL)
    session = verify(token, SECRET, NOW + timedelta(hours=1))

    assert (session.account_id, session.role) == (7, StaffRole.LEAD)
    assert session.expires_at == NOW + TTL


def test_tokens_are_unique_and_compact():
    first, second = issue(7, "agent", SECRET, NOW, TTL), issue(7, "agent", SECRET, NOW, TTL)

    assert first != second
    payload = json.loads(unb64(first.split(".")[0]))
    assert set(payload) == {"a", "r", "e", "n"} and payload["r"] == "agent"


def test_a_tampered_payload_is_refused():
    payload, signature = issue(7, StaffRole.AGENT, SECRET, NOW, TTL).split(".")
    body = json.loads(unb64(payload))
    body["r"] = "admin"
    forged = b64(json.dumps(body, separators=(",", ":")).encode())

    with pytest.raises(InvalidSession):
        verify(f"{forged}.{signature}", SECRET, NOW)


def test_a_tampered_signature_is_refused():
    payload, signature = issue(7, StaffRole.AGENT, SECRET, NOW, TTL).split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    with pytest.raises(InvalidSession):
        verify(f"{payload}.{flipped}", SECRET, NOW)


def test_an_expired_token_is_refused():
    token = issue(7, StaffRole.AGENT, SECRET, NOW, TTL)

    verify(token, SECRET, NOW + TTL - timedelta(seconds=1))
    with pytest.raises(InvalidSession, match="expired"):
        verify(token, SECRET, NOW + TTL)


def test_a_token_signed_with_another_secret_is_refused():
    token = issue(7, StaffRole.ADMIN, "another-secret-entirely", NOW, TTL)

    with pytest.raises(InvalidSession):
        verify(token, SECRET, NOW)


@pytest.mark.parametrize("token", ["", "nodot", ".", "abc.", ".abc", "a.b.c", "é.é", "x" * 5000])
def test_garbage_is_refused(token):
    with pytest.raises(InvalidSession):
        verify(token, SECRET, NOW)


def test_csrf_token_of_the_session_is_accepted():
    session = issue(7, StaffRole.AGENT, SECRET, NOW, TTL)

    assert check_csrf(session, csrf_token(session, SECRET), SECRET)


@pytest.mark.parametrize("submitted", [None, ""])
def test_missing_csrf_token_is_refused(submitted):
    session = issue(7, StaffRole.AGENT, SECRET, NOW, TTL)

    assert not check_csrf(session, submitted, SECRET)


def test_csrf_token_from_another_session_is_refused():
    mine = issue(7, StaffRole.AGENT, SECRET, NOW, TTL)
    theirs = issue(8, StaffRole.AGENT, SECRET, NOW, TTL)

    assert not check_csrf(mine, csrf_token(theirs, SECRET), SECRET)
    assert not check_csrf(mine, csrf_token(mine, "another-secret-entirely"), SECRET)
    assert not check_csrf(None, csrf_token(mine, SECRET), SECRET)


def test_csrf_token_is_not_the_session_signature():
    session = issue(7, StaffRole.AGENT, SECRET, NOW, TTL)

    assert csrf_token(session, SECRET) != session.split(".")[1]
