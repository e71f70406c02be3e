"""The production profile's processes (``make run-prod``): action servers, Rasa replicas,
WeChat gateways and nginx, started in order, each group healthy before the next, and
stopped together."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.prod.environment import PROXIED_ENV, product_env
from bot.prod.nginx import local_nginx_config
from bot.prod.rasa_config import write_endpoints
from bot.prod.services import nginx_binary
from bot.prod.topology import ProdTopology
from bot.settings import ROOT, Settings, load_settings
from bot.training import ensure_model

#: How long the profile's processes have, all together, to come up.
PROD_STARTUP_SECONDS = 300


def _secret_file(path: Path, make: Callable[[], str]) -> str:
    """A secret kept in ``path`` (mode 600) so that restarts keep it."""
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    value = make()
    path.write_text(value, encoding="utf-8")
    return value


@dataclass
class Process:
    """One process of the profile: its command, environment, log file and health URL;
    ``start`` runs it in its own session, its output appended to the log."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    health: str
    popen: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True)

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class ProdStack:
    """The running production profile: its processes, ports, token and run directory."""

    topology: ProdTopology
    processes: list[Process]
    token: str
    run_dir: Path
    settings: Settings

    @property
    def url(self) -> str:
        return self.topology.url

    def by_name(self, name: str) -> Process:
        """The process called ``name`` (``rasa-1``, ``gateway-1``, …).

        Raises:
            KeyError: the profile has no such process.
        """
        for process in self.processes:
            if process.name == name:
                return process
        raise KeyError(f"the profile runs no process called {name!r}")

    def replica_url(self, n: int) -> str:
        return f"http://{self.topology.host}:{self.topology.rasa_ports[n]}"

    def pids(self) -> dict[str, int]:
        return {p.name: p.pid for p in self.processes if p.pid is not None}

    def stopped(self) -> list[Process]:
        return [p for p in self.processes if not p.running()]


def wait_healthy(processes: list[Process], deadline: float) -> None:
    """Waits until every process answers its health URL.

    Raises:
        RuntimeError: one exited, or ``deadline`` (monotonic) passed (with its log's tail).
    """
    import urllib.request

    waiting = list(processes)
    while waiting:
        for process in list(waiting):
            if not process.running():
                raise RuntimeError(f"{process.name} exited while starting "
                                   f"(log {process.log}):\n{process.tail()}")
            try:
                with urllib.request.urlopen(process.health, timeout=2):
                    waiting.remove(process)
            except OSError:
                pass
        if waiting and time.monotonic() > deadline:
            raise RuntimeError(f"{', '.join(p.name for p in waiting)} did not come up in "
                               f"{PROD_STARTUP_SECONDS}s; see {waiting[0].log}")
        if waiting:
            time.sleep(0.5)


def _stop(processes: list[Process], timeout: float = 15) -> None:
    for process in reversed(processes):
        if process.running():
            # nginx: TERM is its fast shutdown (QUIT would wait for open desk streams).
            process.popen.send_signal(signal.SIGTERM if process.name == "nginx"
                                      else signal.SIGINT)
    deadline = time.monotonic() + timeout
    for process in processes:
        if process.popen is None:
            continue
        try:
            process.popen.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait()


def prod_processes(settings: Settings, topology: ProdTopology, *, token: str,
                   console_secret: str, model: Path, run_dir: Path,
                   extra_env: dict[str, str] | None = None) -> list[Process]:
    """The processes of the profile, not started: action servers, Rasa replicas, WeChat
    gateways, nginx. Writes the endpoints file and nginx's config under ``run_dir``."""
    host = topology.host
    base_env = {**os.environ, "PYTHONPATH": str(ROOT),
                **product_env(settings, topology, token, console_secret), **(extra_env or {})}
    endpoints = write_endpoints(load_settings(base_env), run_dir)
    logs = run_dir / "logs"
    python = sys.executable
    actions = [
        Process(f"actions-{n + 1}",
                [python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
                # Loopback only (in a container the action server listens on all).
                {**base_env, "SANIC_HOST": host}, logs / f"actions-{n + 1}.log",
                f"http://{host}:{port}/health")
        for n, port in enumerate(topology.action_ports)
    ]
    replicas = [
        Process(f"rasa-{n + 1}",
                [python, "-m", "bot.rasa_server", "run", "--enable-api", "--model", str(model),
                 "--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml"),
                 "--interface", host, "--port", str(port), f"--auth-token={token}"],
                {**base_env, **PROXIED_ENV}, logs / f"rasa-{n + 1}.log",
                f"http://{host}:{port}/status?token={token}")
        for n, port in enumerate(topology.rasa_ports)
    ]
    gateways = [
        Process(f"gateway-{n + 1}",
                [python, "-m", "channels.wechat.gateway", "--host", host, "--port", str(port)],
                {**base_env, **PROXIED_ENV}, logs / f"gateway-{n + 1}.log",
                f"http://{host}:{port}/health")
        for n, port in enumerate(topology.gateway_ports)
    ]
    nginx_dir = run_dir / "nginx"
    for sub in ("tmp", "logs"):
        (nginx_dir / sub).mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # workers run as nobody and write proxy temp files here
        for sub in ("", "tmp", "logs"):
            os.chmod(nginx_dir / sub, 0o777 if sub == "tmp" else 0o755)
    (nginx_dir / "nginx.conf").write_text(local_nginx_config(topology), encoding="utf-8")
    nginx = Process("nginx", [nginx_binary(), "-p", str(nginx_dir), "-c", "nginx.conf",
                              "-e", "stderr", "-g", "daemon off;"],
                    dict(os.environ), logs / "nginx.log", f"{topology.url}/")
    return [*actions, *replicas, *gateways, nginx]


@contextmanager
def prod_stack(settings: Settings, topology: ProdTopology | None = None, *,
               run_dir: Path | None = None, model: Path | None = None,
               extra_env: dict[str, str] | None = None,
               console_secret: str | None = None) -> Iterator[ProdStack]:
    """Starts the action servers, the Rasa replicas and nginx (in that order, each group
    healthy before the next) against the configured PostgreSQL, Redis and RabbitMQ;
    stops them all when the block ends. The database must be migrated already
    (``prepare_database``, ``prepare_tracker_store``).

    Args:
        settings: Database, Redis, RabbitMQ, replica counts (``RASA_REPLICAS``, …).
        topology: Ports (``ProdTopology.from_settings`` by default).
        run_dir: Endpoints file, nginx prefix, logs (``DATA_DIR/prod``).
        model: The trained model (the current one, trained if needed).
        extra_env: More environment for the product processes (e.g. channels, limits).
        console_secret: Signs desk sessions in every replica alike (``CONSOLE_SECRET``, or
            one kept in ``run_dir`` so restarts keep the desk signed in).

    Raises:
        RuntimeError: a process exited or did not come up in time (with its log's tail).
    """
    topology = topology or ProdTopology.from_settings(settings)
    run_dir = run_dir or settings.data_dir / "prod"
    model = model or ensure_model()
    token = settings.rasa_api_token or secrets.token_hex(24)
    console_secret = console_secret or (
        settings.console_secret if os.environ.get("CONSOLE_SECRET") else
        _secret_file(run_dir / "console-secret", lambda: secrets.token_urlsafe(32)))
    processes = prod_processes(settings, topology, token=token, console_secret=console_secret,
                               model=model, run_dir=run_dir, extra_env=extra_env)
    stack = ProdStack(topology, processes, token, run_dir,
                      load_settings({**os.environ, **product_env(settings, topology, token,
                                                                 console_secret)}))
    deadline = time.monotonic() + PROD_STARTUP_SECONDS
    try:
        for kind in ("actions", "rasa", "gateway", "nginx"):
            group = [p for p in processes if p.name.split("-")[0] == kind]
            for process in group:
                process.start()
            wait_healthy(group, deadline)
        yield stack
    finally:
        _stop(stack.processes)
