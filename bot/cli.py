"""Command line: ``python -m bot.cli run|shell|train|migrate|seed|staff-create|leader-code|
supplier-report|review-export|reconcile``."""
from __future__ import annotations

import argparse
import sys

from bot.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bot.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="train if needed, migrate, seed, start everything")
    shell = commands.add_parser("shell", help="chat with the running assistant")
    shell.add_argument("--sender", default="demo-1", help="REST sender id (demo-1 … demo-5)")
    commands.add_parser("train", help="train the model if its inputs changed")
    commands.add_parser("migrate", help="bring the database to the newest schema")
    commands.add_parser("seed", help="migrate, then seed the demo shop if the database is empty")
    staff = commands.add_parser("staff-create", help="create an agent desk account")
    staff.add_argument("--username", required=True)
    staff.add_argument("--role", required=True, choices=["agent", "lead", "leader", "admin"])
    staff.add_argument("--name", required=True, help="display name")
    staff.add_argument("--leader-id", type=int, help="the leader a leader account belongs to")
    staff.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of stdin (for scripts)")
    code = commands.add_parser("leader-code", help="a one-time code a group leader binds a chat with")
    code.add_argument("--pickup-point", required=True, help="pickup point code, e.g. PP01")
    report = commands.add_parser("supplier-report",
                                 help="the week's supplier quality incidents as Excel-safe CSV")
    report.add_argument("--week", required=True, help="ISO week, e.g. 2026-W47")
    report.add_argument("--supplier", help="only this supplier's code, e.g. SUP01")
    report.add_argument("--out", help="write the CSV to this file instead of stdout")
    reviewed = commands.add_parser("review-export",
                                   help="leads' wrong-intent marks as Rasa NLU training data")
    reviewed.add_argument("--out", help="write the YAML to this file instead of stdout")
    reconcile = commands.add_parser(
        "reconcile", help="refunds, coupons and balances of a date range; checks the ledgers")
    reconcile.add_argument("--from", dest="first", required=True, help="first day, 2026-11-01")
    reconcile.add_argument("--to", dest="last", required=True, help="last day, 2026-11-30")
    args = parser.parse_args(argv)

    if args.command == "run":
        from bot.launcher import run

        return run()
    if args.command == "shell":
        from bot.chat import chat

        return chat(args.sender)
    if args.command == "train":
        from bot.training import ensure_model

        print(ensure_model())
        return 0
    if args.command == "migrate":
        from bot.db.migrate import upgrade

        upgrade(get_settings().database_url)
        return 0
    if args.command == "staff-create":
        return _staff_create(args)
    if args.command == "review-export":
        return _review_export(args.out)
    if args.command == "leader-code":
        return _leader_code(args.pickup_point)
    if args.command == "supplier-report":
        return _supplier_report(args.week, args.supplier, args.out)
    if args.command == "reconcile":
        return _reconcile(args.first, args.last)
    from bot.prod.database import prepare_database

    print("\n".join(prepare_database(get_settings())))
    return 0


def _review_export(out: str | None) -> int:
    from bot.db.session import unit_of_work
    from bot.review.nlu_export import reviewed_examples, to_yaml, training_examples
    from bot.settings import ROOT

    with unit_of_work() as session:
        examples = reviewed_examples(session)
    text = to_yaml(examples, training_examples(ROOT / "data" / "nlu"))
    if out:
        with open(out, "w", encoding="utf-8") as file:
            file.write(text)
        print(f"{sum(len(t) for t in examples.values())} reviewed examples → {out}",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _staff_create(args: argparse.Namespace) -> int:
    """Creates a staff account; the password never appears on the command line."""
    from getpass import getpass

    from bot.db.migrate import upgrade
    from bot.db.session import unit_of_work
    from bot.staff.accounts import InvalidAccount, create_account

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass("Password: ")
        if getpass("Repeat password: ") != password:
            print("passwords differ; nothing created", file=sys.stderr)
            return 1
    upgrade(get_settings().database_url)
    try:
        with unit_of_work() as session:
            account = create_account(session, args.username, args.name, args.role, password,
                                     leader_id=args.leader_id, actor="system:cli")
    except InvalidAccount as error:
        print(f"not created: {error}", file=sys.stderr)
        return 1
    print(f"created {account.role.value} account {account.username!r} (id {account.id})")
    return 0


def _leader_code(pickup_point_code: str) -> int:
    """Prints a bind code for the leader of the pickup point (valid 24 hours, used once)."""
    from sqlalchemy import select

    from bot.db import PickupPoint
    from bot.db.base import utcnow
    from bot.db.migrate import upgrade
    from bot.db.session import unit_of_work
    from bot.leaders.identity import issue_code

    upgrade(get_settings().database_url)
    with unit_of_work() as session:
        point = session.scalars(select(PickupPoint)
                                .where(PickupPoint.code == pickup_point_code)).first()
        if point is None or point.leader is None:
            print(f"no pickup point {pickup_point_code!r} with a leader", file=sys.stderr)
            return 1
        code = issue_code(session, point.leader.id, utcnow(), actor="system:cli")
        print(f"{point.leader.name}（{point.name}）的团长绑定码：{code}，24 小时内有效，用一次。"
              f"\n团长在微信里发送「团长绑定 {code}」即可。")
    return 0


def _supplier_report(week_text: str, supplier_code: str | None, out: str | None) -> int:
    """Writes the week's supplier report (UTF-8 CSV with BOM), audited as ``system:cli``."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from bot.db import Supplier
    from bot.db.migrate import upgrade
    from bot.db.session import unit_of_work
    from bot.metrics.period import PeriodInvalid, parse_week
    from bot.suppliers.report import ReportTooLarge, weekly_report

    settings = get_settings()
    try:
        week = parse_week(week_text, ZoneInfo(settings.service_timezone))
    except PeriodInvalid:
        print(f"not an ISO week: {week_text!r} (e.g. 2026-W47)", file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    with unit_of_work() as session:
        supplier_id = None
        if supplier_code:
            supplier_id = session.scalars(select(Supplier.id)
                                          .where(Supplier.code == supplier_code)).first()
            if supplier_id is None:
                print(f"no supplier {supplier_code!r}", file=sys.stderr)
                return 1
        try:
            report = weekly_report(session, week, actor="system:cli", supplier_id=supplier_id,
                                   supplier_code=supplier_code)
        except ReportTooLarge as error:
            print(f"{error.rows} incidents, at most {error.limit} per report: "
                  "export one supplier at a time", file=sys.stderr)
            return 1
    data = report.text.encode("utf-8")
    if out:
        with open(out, "wb") as target:
            target.write(data)
        print(f"{report.rows} incidents written to {out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def _reconcile(first: str, last: str) -> int:
    """Prints the reconciliation report of the days ``first`` to ``last`` (service time
    zone, both included); 1 when a ledger does not balance, 2 for bad dates."""
    from datetime import date
    from zoneinfo import ZoneInfo

    from bot.accounting.reconcile import reconcile
    from bot.db.migrate import upgrade
    from bot.db.session import unit_of_work
    from bot.metrics.period import PeriodInvalid, parse_period

    settings = get_settings()
    try:
        period = parse_period(first, last, ZoneInfo(settings.service_timezone), date.today())
    except PeriodInvalid as error:
        print(f"not a date range: {error} (e.g. --from 2026-11-01 --to 2026-11-30)",
              file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    with unit_of_work() as session:
        report = reconcile(session, period.start, period.end,
                           title=f"对账 {period.first} 至 {period.last}（{settings.service_timezone}）")
    print(report.text())
    return 0 if report.balanced else 1


if __name__ == "__main__":
    sys.exit(main())
