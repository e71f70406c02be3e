"""``bot.cli staff-create`` and the demo shop's desk accounts."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db import PickupPoint, StaffAccount
from bot.db.session import unit_of_work
from bot.db.staff import StaffRole
from bot.seed import seed_demo
from bot.staff.accounts import attempt_login
from bot.staff.passwords import verify_password


def run_cli(monkeypatch, args, password):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main(["staff-create", *args, "--password-stdin"])


def test_the_cli_creates_an_account(app_db, monkeypatch, capsys):
    code = run_cli(monkeypatch, ["--username", "zhao", "--role", "lead", "--name", "赵主管"],
                   "a-long-enough-password")

    assert code == 0 and "zhao" in capsys.readouterr().out
    with app_db.session() as session:
        account = session.scalars(select(StaffAccount).where(StaffAccount.username == "zhao")).one()
    assert account.role is StaffRole.LEAD and account.display_name == "赵主管"
    assert verify_password("a-long-enough-password", account.password_hash)


def test_the_cli_refuses_a_short_password(app_db, monkeypatch, capsys):
    code = run_cli(monkeypatch, ["--username", "zhao", "--role", "agent", "--name", "赵"], "short")

    assert code == 1 and "at least 10" in capsys.readouterr().err
    with app_db.session() as session:
        assert session.scalars(select(StaffAccount).where(StaffAccount.username == "zhao")).first() is None


def test_the_cli_refuses_an_unknown_role(app_db, monkeypatch):
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, ["--username", "zhao", "--role", "root", "--name", "赵"],
                "a-long-enough-password")


def test_the_demo_seed_has_the_four_desk_accounts(app_db):
    with app_db.session() as session:
        accounts = {a.username: a for a in session.scalars(select(StaffAccount))}
    assert {name: a.role for name, a in accounts.items()} == {
        "agent1": StaffRole.AGENT, "lead1": StaffRole.LEAD,
        "leader1": StaffRole.LEADER, "admin1": StaffRole.ADMIN,
    }
    with app_db.session() as session:
        first_point = session.scalars(select(PickupPoint).order_by(PickupPoint.id)).first()
        assert session.get(StaffAccount, accounts["leader1"].id).leader_id == first_point.leader.id
    assert attempt_login("agent1", "demo-agent-pass", "127.0.0.1", app_db.seeded_at).role \
        is StaffRole.AGENT


def test_make_run_prints_the_demo_accounts(app_db):
    with unit_of_work() as session:
        lines = seed_demo(session, app_db.seeded_at).lines()

    text = "\n".join(lines)
    for username, password in [("agent1", "demo-agent-pass"), ("lead1", "demo-lead-pass"),
                               ("leader1", "demo-leader-pass"), ("admin1", "demo-admin-pass")]:
        assert any(username in line and password in line for line in lines), text
