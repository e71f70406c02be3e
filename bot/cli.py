"""Command line: ``python -m bot.cli run|shell|train|migrate|seed``."""
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
    from bot.launcher import prepare_database

    print("\n".join(prepare_database(get_settings())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
