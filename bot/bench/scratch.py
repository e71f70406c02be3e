"""Scratch data a bench run measures on: a PostgreSQL database made afresh, the demo shop
with bench customers seeded, the cases they opened counted, the event queue deleted."""
from __future__ import annotations

import asyncio

from bot.bench.progress import progress
from bot.bench.seeding import BenchCustomer, seed_bench_customers


def scratch_postgres(url: str, name: str) -> str:
    """Drops and creates the database ``name`` on ``url``'s PostgreSQL server.

    Args:
        url: Any database URL on the server (it connects to ``postgres``).
        name: The scratch database; its connections are ended first.

    Returns:
        ``url`` with the database ``name``.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT",
                          future=True)
    with admin.connect() as connection:
        connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name})
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return str(make_url(url).set(database=name))


def delete_queue(url: str, queue: str) -> None:
    """Deletes the RabbitMQ ``queue`` at ``url``; a failure is printed, not raised."""
    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect(url)
        await (await connection.channel()).queue_delete(queue)
        await connection.close()

    try:
        asyncio.run(delete())
    except Exception as error:  # noqa: BLE001 (tidying up only)
        progress(f"prod: could not delete the bench queue {queue}: {error}")


def seed(url: str, count: int) -> list[BenchCustomer]:
    """Migrates ``url``, seeds the demo shop and ``count`` bench customers."""
    from sqlalchemy.orm import Session

    from bot.db.base import utcnow
    from bot.db.migrate import upgrade
    from bot.db.session import create_db_engine
    from bot.seed import seed_demo

    upgrade(url)
    engine = create_db_engine(url)
    with Session(engine, future=True) as session, session.begin():
        seed_demo(session, utcnow())
        customers = seed_bench_customers(session, count, utcnow())
    engine.dispose()
    return customers


def count_cases(url: str, customers: list[BenchCustomer]) -> dict[str, int]:
    """Cases the bench customers hold: how many, and how many customers hold more than one
    (each conversation claims one line once: a second case would be a doubled claim)."""
    from sqlalchemy import func, select

    from bot.db import ReturnCase
    from bot.db.session import create_db_engine

    ids = [c.customer_id for c in customers]
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(ReturnCase.customer_id, func.count(ReturnCase.id))
                .where(ReturnCase.customer_id.between(min(ids), max(ids)))
                .group_by(ReturnCase.customer_id)).all()
    finally:
        engine.dispose()
    return {"cases": sum(n for _, n in rows), "customers_with_two": sum(n > 1 for _, n in rows)}
