"""The faults ``make chaos`` injects into a running production profile.

Processes of the profile are killed with ``SIGKILL`` (no goodbye: in-flight requests are
cut off) and started again; Redis is a private ``redis-server`` without persistence, so
a restart loses every lock, as a crashed Redis would; the database's connections are
terminated from PostgreSQL's side (``pg_terminate_backend``), as a failover or a network
cut does; WeChat's API is the fake one, told to answer 503 for a while.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.ports import free_port
from bot.prod.stack import Process, wait_healthy

RESTART_SECONDS = 300.0


def kill(process: Process) -> None:
    """``SIGKILL`` to the process and its children; waits until it is gone."""
    if process.running():
        os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait()


def restart(process: Process) -> None:
    """Starts a killed process again and waits until it answers its health URL."""
    process.start()
    wait_healthy([process], time.monotonic() + RESTART_SECONDS)


def drop_connections(database_url: str) -> int:
    """Terminates every other session on the database; returns how many."""
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                          future=True)
    try:
        with admin.connect() as connection:
            return len(connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": url.database}).all())
    finally:
        admin.dispose()


class PrivateRedis:
    """A ``redis-server`` of its own on a free loopback port, without persistence."""

    def __init__(self, log: Path) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise RuntimeError("redis-server is not installed (make setup installs it)")
        self.port = free_port()
        self._command = [binary, "--port", str(self.port), "--bind", "127.0.0.1",
                         "--save", "", "--appendonly", "no"]
        self._log = log
        self._popen: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self._log.parent.mkdir(parents=True, exist_ok=True)
        with self._log.open("ab") as out:
            self._popen = subprocess.Popen(self._command, stdout=out, stderr=subprocess.STDOUT,
                                           start_new_session=True)
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start; see {self._log}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._popen is not None and self._popen.poll() is None:
            self._popen.kill()
            self._popen.wait()

    def restart(self, down_seconds: float = 1.0) -> None:
        """Killed (its locks gone with it), down for ``down_seconds``, started again."""
        self.stop()
        time.sleep(down_seconds)
        self.start()
