"""Starting real servers on loopback for tests: a Sanic app in the test's event loop
(``served_app``), and the product — the action server and the Rasa server with the trained
model, on free ports, against a fresh seeded database."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sanic import Sanic
from sqlalchemy.orm import Session

from bot.bench.processes import wait_http
from bot.db.base import utcnow
from bot.db.migrate import upgrade
from bot.db.session import create_db_engine
from bot.ports import free_port
from bot.seed import seed_demo
from bot.settings import ROOT
from bot.training import ensure_model

STARTUP_SECONDS = 180
# Tests hold many conversations from one address and a few senders within seconds; the
# webhook limits (README, "Security") are raised unless a test passes its own RATE_LIMIT_*.
HIGH_RATE_LIMITS = {"RATE_LIMIT_SENDER_PER_MINUTE": "100000", "RATE_LIMIT_SENDER_BURST": "10000",
                    "RATE_LIMIT_IP_PER_MINUTE": "1000000", "RATE_LIMIT_IP_BURST": "100000"}


@asynccontextmanager
async def served_app(app: Sanic) -> AsyncIterator[str]:
    """Runs ``app`` on a real server on loopback in the running event loop, with its start
    and stop listeners; yields its address."""
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True,
                                     access_log=False)
    await server.startup()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    """Waits until ``url`` answers, at most ``STARTUP_SECONDS``.

    Raises:
        RuntimeError: ``process`` exited, or ``url`` did not answer in time; the message
            shows the end of ``log``.
    """
    wait_http(url, [process], log, seconds=STARTUP_SECONDS, log_tail=4000)


@dataclass
class Product:
    """The running assistant and its database."""

    rasa_url: str
    database_url: str
    data_dir: Path
    api_token: str
    transcript: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def say(self, sender: str, text: str, metadata: dict | None = None) -> list[str]:
        """Sends a message over the REST channel and returns the texts of the replies."""
        body = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook", json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            replies = [m.get("text", "") for m in json.loads(response.read())]
        self.transcript.append((sender, text, replies))
        return replies

    def api(self, path: str, body: object | None = None) -> object:
        """Calls Rasa's HTTP API with the token (GET without ``body``, else POST JSON)."""
        separator = "&" if "?" in path else "?"
        request = urllib.request.Request(
            f"{self.rasa_url}{path}{separator}token={self.api_token}",
            None if body is None else json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def session(self) -> Session:
        return Session(create_db_engine(self.database_url), future=True)


@contextmanager
def running_product(workdir: Path, env: dict[str, str] | None = None) -> Iterator[Product]:
    """Runs the product until the block ends; ``env`` adds settings (e.g. channels)."""
    model = ensure_model()
    database_url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(database_url)
    engine = create_db_engine(database_url)
    with Session(engine, future=True) as session, session.begin():
        seed_demo(session, utcnow())
    engine.dispose()

    rasa_port, actions_port = free_port(), free_port()
    token = secrets.token_hex(16)
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    (workdir / "endpoints.yml").write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    full_env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(workdir / "data"),
                "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
                "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_PORT": str(rasa_port),
                "ACTIONS_PORT": str(actions_port), "RASA_API_TOKEN": token,
                **HIGH_RATE_LIMITS, **(env or {})}
    logs = {name: workdir / f"{name}.log" for name in ("actions", "rasa")}
    commands = {
        "actions": [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                    "--port", str(actions_port)],
        "rasa": [sys.executable, "-m", "bot.rasa_server", "run", "--enable-api", "--model", str(model),
                 "--endpoints", str(workdir / "endpoints.yml"), "--credentials",
                 str(ROOT / "credentials.yml"), "--port", str(rasa_port),
                 "--interface", "127.0.0.1", f"--auth-token={token}"],
    }
    processes = {
        name: subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=logs[name].open("w"),
                               stderr=subprocess.STDOUT)
        for name, command in commands.items()
    }
    try:
        wait_for(f"http://127.0.0.1:{actions_port}/health", processes["actions"], logs["actions"])
        wait_for(f"http://127.0.0.1:{rasa_port}/status?token={token}", processes["rasa"],
                 logs["rasa"])
        yield Product(f"http://127.0.0.1:{rasa_port}", database_url, workdir / "data", token)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
