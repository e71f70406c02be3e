"""Creating accounts and signing in, with throttling per username and per address."""
from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from sqlalchemy import select

from bot.db import AuditEntry, LoginAttempt, StaffAccount
from bot.db.session import unit_of_work
from bot.db.staff import LoginOutcome, StaffRole
from bot.staff import accounts
from bot.staff.accounts import (
    AccountExists,
    AccountLocked,
    BadCredentials,
    InvalidAccount,
    attempt_login,
    create_account,
)

PASSWORD = "wang-secret-pass"


@pytest.fixture
def wang(app_db):
    with unit_of_work() as session:
        return create_account(session, "Wang", "小王", "agent", PASSWORD).id


def login(app_db, password=PASSWORD, *, minutes=0.0, addr="10.0.0.1", username="wang"):
    return attempt_login(username, password, addr, app_db.seeded_at + timedelta(minutes=minutes))


def attempts(app_db):
    with app_db.session() as session:
        return list(session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)))


def test_an_account_is_created_hashed_and_audited(app_db, wang):
    with app_db.session() as session:
        account = session.get(StaffAccount, wang)
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.created")
                                .order_by(AuditEntry.id.desc())).first()
    assert (account.username, account.role, account.active) == ("wang", StaffRole.AGENT, True)
    assert account.password_hash.startswith("scrypt$") and PASSWORD not in account.password_hash
    assert entry.entity_id == str(wang) and entry.detail["role"] == "agent"
    assert PASSWORD not in str(entry.detail)


@pytest.mark.parametrize(("args", "error"), [
    (("x", "X", "agent", PASSWORD), InvalidAccount),
    (("bad name", "X", "agent", PASSWORD), InvalidAccount),
    (("zhou", "", "agent", PASSWORD), InvalidAccount),
    (("zhou", "周", "root", PASSWORD), InvalidAccount),
    (("zhou", "周", "agent", "short"), InvalidAccount),
    (("zhou", "周", "leader", PASSWORD), InvalidAccount),
    (("zhou", "周", "leader", PASSWORD, 999), InvalidAccount),
    (("zhou", "周", "agent", PASSWORD, 1), InvalidAccount),
    (("WANG", "另一个王", "agent", PASSWORD), AccountExists),
])
def test_bad_accounts_are_refused(app_db, wang, args, error):
    with pytest.raises(error), unit_of_work() as session:
        create_account(session, *args)


def test_a_leader_account_belongs_to_a_leader(app_db):
    with unit_of_work() as session:
        account = create_account(session, "liu", "刘团长", StaffRole.LEADER, PASSWORD, leader_id=1)
        assert account.leader.pickup_point_id is not None


def test_signing_in_returns_the_account_and_records_the_attempt(app_db, wang):
    account = login(app_db, username=" WANG ")

    assert account.id == wang
    with app_db.session() as session:
        assert session.get(StaffAccount, wang).last_login_at == app_db.seeded_at
    [attempt] = attempts(app_db)
    assert (attempt.username, attempt.succeeded, attempt.outcome) == ("wang", True, LoginOutcome.OK)


@pytest.mark.parametrize(("username", "password"), [("wang", "wrong-password"),
                                                     ("nobody", PASSWORD)])
def test_wrong_password_and_unknown_user_look_the_same(app_db, wang, username, password):
    with pytest.raises(BadCredentials, match="wrong username or password"):
        login(app_db, password, username=username)
    [attempt] = attempts(app_db)
    assert not attempt.succeeded and attempt.outcome is LoginOutcome.BAD_CREDENTIALS


def test_a_disabled_account_cannot_sign_in(app_db, wang):
    with unit_of_work() as session:
        session.get(StaffAccount, wang).active = False
    with pytest.raises(BadCredentials):
        login(app_db)


def fail(app_db, times, *, start=0.0, addr="10.0.0.1", username="wang"):
    for i in range(times):
        with pytest.raises(BadCredentials):
            login(app_db, "wrong-password", minutes=start + i * 0.5, addr=addr, username=username)


def test_five_failures_lock_the_username_even_with_the_right_password(app_db, wang):
    fail(app_db, 5)

    with pytest.raises(AccountLocked) as locked:
        login(app_db, minutes=3, addr="10.9.9.9")
    assert locked.value.until == app_db.seeded_at + timedelta(minutes=2 + 15)
    assert [a.outcome for a in attempts(app_db)][-1] is LoginOutcome.LOCKED


def test_four_failures_do_not_lock(app_db, wang):
    fail(app_db, 4)

    assert login(app_db, minutes=3).id == wang


def test_failures_spread_over_more_than_the_window_do_not_lock(app_db, wang):
    for minutes in (0, 5, 10, 15, 20):
        fail(app_db, 1, start=minutes)

    assert login(app_db, minutes=21).id == wang


def test_the_lock_ends_after_fifteen_minutes_and_locked_attempts_do_not_extend_it(app_db, wang):
    fail(app_db, 5)
    for minutes in (5, 10, 16.9):
        with pytest.raises(AccountLocked):
            login(app_db, minutes=minutes)

    assert login(app_db, minutes=17).id == wang


def test_a_locked_attempt_does_not_check_the_password(app_db, wang):
    fail(app_db, 5)

    with mock.patch.object(accounts, "verify_password") as verify:
        with pytest.raises(AccountLocked):
            login(app_db, minutes=3)
    verify.assert_not_called()


def test_twenty_failures_from_one_address_lock_that_address(app_db, wang):
    for n in range(20):
        fail(app_db, 1, start=n * 0.2, username=f"guess{n}")

    with pytest.raises(AccountLocked):
        login(app_db, minutes=5)
    assert login(app_db, minutes=5, addr="10.0.0.2").id == wang
    assert login(app_db, minutes=4 + 15, addr="10.0.0.1").id == wang
