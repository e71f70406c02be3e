"""Alembic environment: migrates the database named by ``sqlalchemy.url`` in the
config (set by ``bot.db.migrate``) or, failing that, by ``DATABASE_URL``."""
from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from bot.db import Base
from bot.db.session import create_db_engine
from bot.settings import get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# Rasa's tracker store shares the database; its tables are not ours to manage.
RASA_TABLES = {"events"}


def _include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and name in RASA_TABLES)


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = create_db_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=_include_object,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
