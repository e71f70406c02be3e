"""The leads' conversation list at volume: p50/p95 of typical filtered list requests over
``COUNT`` indexed conversations in a scratch database (SQLite by default, or the database
at ``BENCH_DATABASE_URL``, which must be empty and is migrated here).

Run: ``python -m bot.bench.review_list [--count 100000] [--repeat 20]``.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select

from bot.db import Customer, PickupPoint
from bot.db.migrate import upgrade
from bot.db.review import ConversationIntent, ConversationRecord
from bot.db.session import create_db_engine, unit_of_work
from bot.nlu.contract import CONTRACT_INTENTS
from bot.review.conversations import list_page
from bot.review.filters import parse_filter
from bot.seed import seed_demo

END = date(2026, 11, 20)
CHANNELS = ("rest", "wechat", "telegram")
WORDS = ("草莓", "鸡蛋", "牛奶", "退款", "坏了", "少了", "什么时候", "到哪了", "催一下", "投诉")
QUERIES = {
    "no filter (last 7 days)": {},
    "30 days, channel": {"from": ["2026-10-22"], "channel": ["wechat"]},
    "30 days, intent": {"from": ["2026-10-22"], "intent": ["urge_case"]},
    "30 days, angry + escalated": {"from": ["2026-10-22"], "angry": ["1"], "escalated": ["1"]},
    "90 days, text search": {"from": ["2026-08-23"], "q": ["鸡蛋 坏了"]},
    "90 days, pickup point": {"from": ["2026-08-23"], "point": ["1"]},
    "90 days, outcome no case": {"from": ["2026-08-23"], "outcome": ["no_case"]},
}


def _rows(count: int, customers: list[tuple[int, int]], rng: random.Random):
    start = datetime(2026, 11, 20, 15, tzinfo=timezone.utc)
    for n in range(count):
        at = start - timedelta(minutes=n * 90 * 24 * 60 / count)
        customer_id, point_id = customers[n % len(customers)]
        text = "，".join(rng.sample(WORDS, 3))
        yield {
            "id": n + 1, "sender_id": f"bench-{n}", "first_event_id": n * 10 + 1,
            "last_event_id": n * 10 + 9, "channel": CHANNELS[n % 3], "customer_id": customer_id,
            "pickup_point_id": point_id, "is_leader": False, "started_at": at,
            "last_at": at + timedelta(minutes=3), "first_message_at": at,
            "user_turns": 4, "bot_turns": 4, "agent_turns": 0, "fallbacks": int(n % 9 == 0),
            "escalated": n % 12 == 0, "angry": n % 15 == 0, "max_anger": 0.9 if n % 15 == 0
            else 0.1, "first_response_ms": 300 + n % 500, "customer_text": text,
            "updated_at": at,
        }


def fill(count: int, seed: int = 7) -> None:
    """Seeds the demo shop and ``count`` conversations with one or two intents each."""
    rng = random.Random(seed)
    with unit_of_work() as session:
        seed_demo(session, datetime.now(timezone.utc))
        customers = [(c.id, c.pickup_point_id) for c in session.scalars(select(Customer))]
        assert session.scalar(select(PickupPoint.id).limit(1)) is not None
    batch: list[dict] = []
    with unit_of_work() as session:
        for row in _rows(count, customers, rng):
            batch.append(row)
            if len(batch) == 5000:
                session.execute(insert(ConversationRecord), batch)
                batch.clear()
        if batch:
            session.execute(insert(ConversationRecord), batch)
        intents = [{"record_id": n + 1, "intent": name} for n in range(count)
                   for name in {CONTRACT_INTENTS[n % len(CONTRACT_INTENTS)],
                                CONTRACT_INTENTS[(n * 7) % len(CONTRACT_INTENTS)]}]
        for offset in range(0, len(intents), 10000):
            session.execute(insert(ConversationIntent), intents[offset:offset + 10000])


def measure(repeat: int) -> dict[str, tuple[float, float, int]]:
    """p50 and p95 in ms of one list page (50 rows and the capped count) per query."""
    figures = {}
    for name, params in QUERIES.items():
        criteria = parse_filter(params, END)
        times, total = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            with unit_of_work() as session:
                total = list_page(session, criteria).total
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        figures[name] = (statistics.median(times), times[int(0.95 * (len(times) - 1))], total)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(scratch) / 'bench.db'}"
        os.environ["DATABASE_URL"] = url
        from bot.db.session import get_sessionmaker
        from bot.settings import get_settings
        get_settings.cache_clear()
        get_sessionmaker.cache_clear()
        upgrade(url)
        started = time.perf_counter()
        fill(args.count)
        print(f"review list: {args.count:,} conversations on {url.split(':')[0]} "
              f"(filled in {time.perf_counter() - started:.1f} s)")
        for name, (p50, p95, total) in measure(args.repeat).items():
            print(f"  {name:<28} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({total:,} match)")
        create_db_engine(url).dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
