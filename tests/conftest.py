"""Fixtures shared by the whole suite: a migrated, seeded SQLite database per test."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db.base import utcnow
from bot.db.migrate import upgrade
from bot.db.session import get_sessionmaker, unit_of_work
from bot.seed import seed_demo
from bot.settings import get_settings


@dataclass
class AppDatabase:
    """The database the code under test uses, with a way to look inside."""

    url: str
    data_dir: Path
    factory: sessionmaker
    seeded_at: datetime

    def session(self) -> Session:
        return self.factory()


def _reset_caches() -> None:
    get_settings.cache_clear()
    get_sessionmaker.cache_clear()


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppDatabase]:
    """Points the application at a fresh, migrated and seeded SQLite file."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    _reset_caches()
    upgrade(url)
    seeded_at = utcnow()
    with unit_of_work() as session:
        seed_demo(session, seeded_at)
    yield AppDatabase(url, tmp_path / "data", get_sessionmaker(), seeded_at)
    get_sessionmaker().kw["bind"].dispose()
    _reset_caches()


class ImageServer:
    """A real HTTP server on loopback serving whatever files a test puts in it."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        files: dict[str, tuple[bytes, str]] = {}
        self.files = files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if self.path not in files:
                    self.send_error(404)
                    return
                body, content_type = files[self.path]
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def add(self, path: str, body: bytes, content_type: str = "image/png") -> str:
        self.files[path] = (body, content_type)
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def image_server() -> Iterator[ImageServer]:
    server = ImageServer()
    yield server
    server.close()
