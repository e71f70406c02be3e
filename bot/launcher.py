"""``make run``: prepares the embedded database and model, then runs every process."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bot.chat import token_file
from bot.db.base import utcnow
from bot.db.migrate import upgrade
from bot.db.session import unit_of_work
from bot.seed import seed_demo
from bot.settings import ROOT, Settings, get_settings
from bot.training import ensure_model


def prepare_database(settings: Settings) -> list[str]:
    """Migrates the database and seeds the demo shop if it is empty."""
    upgrade(settings.database_url)
    with unit_of_work() as session:
        return seed_demo(session, utcnow()).lines()


def write_endpoints(settings: Settings, run_dir: Path) -> Path:
    """Rasa's endpoints file with the configured action server address."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = settings.action_endpoint_url
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, allow_unicode=True), encoding="utf-8")
    return path


def api_token(settings: Settings) -> str:
    """The token protecting Rasa's HTTP API: RASA_API_TOKEN, or a fresh one for this run
    (the desk, in the Rasa process, gets it through the environment)."""
    return settings.rasa_api_token or secrets.token_hex(24)


def write_token(settings: Settings, token: str) -> Path:
    """Leaves the API token where ``make shell`` finds it, readable by this user only."""
    path = token_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(token, encoding="utf-8")
    return path


def process_commands(settings: Settings, model: Path, endpoints: Path,
                     token: str) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "actions": [python, "-m", "rasa_sdk", "--actions", "actions",
                    "--port", str(settings.actions_port)],
        "rasa": [python, "-m", "rasa", "run", "--enable-api", "--model", str(model),
                 "--endpoints", str(endpoints), "--credentials", "credentials.yml",
                 "--port", str(settings.rasa_port), f"--auth-token={token}"],
    }


def run() -> int:
    """Starts the action server and the Rasa server; Ctrl-C stops both."""
    settings = get_settings()
    # A plain `kill` must stop the children too, not orphan them on their ports.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    for line in prepare_database(settings):
        print(line)
    model = ensure_model()
    endpoints = write_endpoints(settings, settings.data_dir / "run")
    token = api_token(settings)
    write_token(settings, token)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_API_TOKEN": token}
    processes = {
        name: subprocess.Popen(command, cwd=ROOT, env=env)
        for name, command in process_commands(settings, model, endpoints, token).items()
    }
    print(f"Rasa server on http://localhost:{settings.rasa_port} "
          f"(REST: /webhooks/rest/webhook), actions on :{settings.actions_port}.\n"
          f"Agent desk: http://localhost:{settings.rasa_port}/console/ "
          "(demo staff accounts above).\n"
          "Chat with `make shell`; Ctrl-C stops everything.")
    try:
        while all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
        failed = [n for n, p in processes.items() if p.poll() is not None]
        print(f"{', '.join(failed)} stopped; shutting down.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for process in processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
