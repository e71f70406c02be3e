"""Creating staff accounts and signing in, with throttling.

Throttling: after 5 wrong passwords for one username, or 20 from one address, within
15 minutes, every further attempt for that username (or from that address) is refused
for 15 minutes from the last counted failure, without the password being checked.
Refused attempts are recorded but do not extend the lock.

``authenticate`` adds the attempt to the caller's session and then raises on failure;
the attempt must still be committed, so either catch the error inside the unit of work
or use ``attempt_login``, which does exactly that.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import audit
from bot.db.session import unit_of_work
from bot.db.shop import Leader
from bot.db.staff import LoginAttempt, LoginOutcome, StaffAccount, StaffRole
from bot.staff.passwords import check_strength, hash_password, verify_password

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]{2,39}")
MAX_NAME_LENGTH = 50
WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_ADDRESS = 20
# Checked for unknown usernames so they take as long as known ones.
_DUMMY_HASH = ("scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$"
               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")


class StaffError(Exception):
    """Base of everything this module refuses."""


class InvalidAccount(StaffError, ValueError):
    """The account data is not acceptable (username, name, role, leader, password)."""


class AccountExists(InvalidAccount):
    """The username is taken."""


class BadCredentials(StaffError):
    """Unknown username, wrong password, or a disabled account (not told apart)."""


class AccountLocked(StaffError):
    """Too many failures for this username or from this address; try again later."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"too many failed sign-ins; try again after {until.isoformat()}")
        self.until = until


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def create_account(
    session: Session,
    username: str,
    display_name: str,
    role: StaffRole | str,
    password: str,
    leader_id: int | None = None,
    *,
    actor: str = "system",
    now: datetime | None = None,
) -> StaffAccount:
    """Adds a staff account to the caller's unit of work and audits ``staff.created``.

    Raises:
        InvalidAccount: bad username (3–40 of ``a-z 0-9 _ . -``), empty or long name,
            unknown role, a leader account without an existing leader (or another role
            with one), or a password shorter than 10 characters.
        AccountExists: the username is taken.
    """
    username = normalise_username(username)
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidAccount("username must be 3-40 characters of a-z, 0-9, '_', '.', '-'")
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > MAX_NAME_LENGTH:
        raise InvalidAccount(f"display name must be 1-{MAX_NAME_LENGTH} characters")
    try:
        role = StaffRole(role)
    except ValueError:
        raise InvalidAccount(
            f"role must be one of {', '.join(r.value for r in StaffRole)}") from None
    if role is StaffRole.LEADER:
        if leader_id is None or session.get(Leader, leader_id) is None:
            raise InvalidAccount("a leader account needs the id of an existing leader")
    elif leader_id is not None:
        raise InvalidAccount("only leader accounts belong to a leader")
    try:
        check_strength(password)
    except ValueError as error:
        raise InvalidAccount(str(error)) from None
    if session.scalars(select(StaffAccount.id).where(StaffAccount.username == username)).first():
        raise AccountExists(f"username {username!r} is taken")

    account = StaffAccount(username=username, display_name=display_name, role=role,
                           password_hash=hash_password(password), leader_id=leader_id,
                           active=True)
    if now is not None:
        account.created_at = now
    session.add(account)
    session.flush()
    audit.record(session, actor, "staff.created", "staff_account", account.id,
                 username=username, role=role.value, leader_id=leader_id)
    return account


def _locked_until(failures: Sequence[datetime], limit: int) -> datetime | None:
    """When the lock set off by ``failures`` (sorted) ends, if ``limit`` fell in a window."""
    until = None
    for i in range(limit - 1, len(failures)):
        if failures[i] - failures[i - limit + 1] <= WINDOW:
            until = failures[i] + LOCK_FOR
    return until


def _failures(session: Session, now: datetime, column, value: str) -> list[datetime]:
    since = now - WINDOW - LOCK_FOR
    return list(session.scalars(
        select(LoginAttempt.at)
        .where(column == value, LoginAttempt.at > since, LoginAttempt.at <= now,
               LoginAttempt.outcome == LoginOutcome.BAD_CREDENTIALS)
        .order_by(LoginAttempt.at)
    ))


def lock_until(session: Session, username: str, remote_addr: str,
               now: datetime) -> datetime | None:
    """Until when sign-in is refused for ``username`` from ``remote_addr``, if it is."""
    locks = [
        _locked_until(_failures(session, now, LoginAttempt.username, username),
                      MAX_FAILURES_PER_USERNAME),
        _locked_until(_failures(session, now, LoginAttempt.remote_addr, remote_addr),
                      MAX_FAILURES_PER_ADDRESS),
    ]
    active = [until for until in locks if until is not None and until > now]
    return max(active, default=None)


def authenticate(session: Session, username: str, password: str, remote_addr: str,
                 now: datetime) -> StaffAccount:
    """The active account ``username``/``password`` signs in as; records the attempt.

    Raises:
        AccountLocked: throttled (the password was not checked).
        BadCredentials: unknown user, wrong password or disabled account.
    """
    if now.tzinfo is None:
        raise ValueError("naive datetime given to authenticate")
    username = normalise_username(username)[:40]
    remote_addr = (remote_addr or "unknown")[:64]

    def record(outcome: LoginOutcome) -> None:
        session.add(LoginAttempt(username=username, remote_addr=remote_addr, at=now,
                                 succeeded=outcome is LoginOutcome.OK, outcome=outcome))
        session.flush()

    until = lock_until(session, username, remote_addr, now)
    if until is not None:
        record(LoginOutcome.LOCKED)
        raise AccountLocked(until)
    account = session.scalars(
        select(StaffAccount).where(StaffAccount.username == username)).first()
    matches = verify_password(password or "", account.password_hash if account else _DUMMY_HASH)
    if account is None or not matches or not account.active:
        record(LoginOutcome.BAD_CREDENTIALS)
        raise BadCredentials("wrong username or password")
    record(LoginOutcome.OK)
    account.last_login_at = now
    return account


def attempt_login(username: str, password: str, remote_addr: str, now: datetime,
                  factory: sessionmaker | None = None) -> StaffAccount:
    """``authenticate`` in its own unit of work that keeps the attempt even on failure."""
    refused: StaffError | None = None
    with unit_of_work(factory) as session:
        try:
            account = authenticate(session, username, password, remote_addr, now)
        except (AccountLocked, BadCredentials) as error:
            refused = error
    if refused is not None:
        raise refused
    return account
