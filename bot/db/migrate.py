"""Runs Alembic migrations programmatically (used by the CLI and the tests)."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from bot.settings import ROOT, get_settings


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url or get_settings().database_url)
    config.attributes["configure_logger"] = False
    return config


def upgrade(database_url: str | None = None) -> None:
    """Brings the database at ``database_url`` to the newest schema."""
    command.upgrade(alembic_config(database_url), "head")
