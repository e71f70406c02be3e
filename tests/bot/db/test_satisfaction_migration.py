"""Migration 0007 moves handoff scores onto surveys, and downgrading puts them back."""
from __future__ import annotations

from alembic import command
from sqlalchemy import text

from bot.db.migrate import alembic_config
from bot.db.session import create_db_engine


def _rows(url: str, sql: str) -> list[tuple]:
    engine = create_db_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(sql))]
    engine.dispose()
    return rows


def _run(url: str, sql: str) -> None:
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(text(sql))
    engine.dispose()


def test_a_rated_handoff_keeps_its_score_across_upgrade_and_downgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'round.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0006")
    _run(url, "INSERT INTO handoff_tickets (id, conversation_id, reason, priority, anger, "
              "summary, status, created_at, ended_at, satisfaction, satisfaction_at) VALUES "
              "(1, 'demo-1', 'angry', 5, 0.9, '{}', 'returned', '2026-11-20 08:00:00', "
              "'2026-11-20 08:30:00', 2, '2026-11-20 08:31:00'), "
              "(2, 'demo-2', 'angry', 5, 0.9, '{}', 'closed', '2026-11-20 09:00:00', "
              "'2026-11-20 09:10:00', NULL, NULL)")

    command.upgrade(config, "head")

    assert _rows(url, "SELECT conversation_id, subject, ticket_id, score FROM "
                      "satisfaction_surveys") == [("demo-1", "handoff", 1, 2)]
    columns = [row[1] for row in _rows(url, "PRAGMA table_info(handoff_tickets)")]
    assert "satisfaction" not in columns and "satisfaction_at" not in columns

    command.downgrade(config, "0006")

    assert _rows(url, "SELECT id, satisfaction FROM handoff_tickets ORDER BY id") == [
        (1, 2), (2, None)]
    assert not _rows(url, "SELECT name FROM sqlite_master WHERE name = 'satisfaction_surveys'")
    command.upgrade(config, "head")
    assert _rows(url, "SELECT ticket_id, score FROM satisfaction_surveys") == [(1, 2)]
