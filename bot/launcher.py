"""The launcher's command line: ``make run`` (``run``: the embedded profile, one Rasa
server and one action server on SQLite) and ``python -m bot.launcher
prod|migrate|serve|nginx-conf`` (``make run-prod``, the containers and the nginx config of
deploy/); what they start and write lives in ``bot.prod``."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.db.migrate import upgrade
from bot.prod.database import prepare_database, prepare_tracker_store
from bot.prod.nginx import deploy_nginx_config
from bot.prod.rasa_config import api_token, write_endpoints, write_token
from bot.prod.services import (
    ServiceMissing,
    check_services,
    prod_environment,
    service_address,
)
from bot.prod.stack import ProdStack, prod_stack
from bot.prod.topology import ProdTopology
from bot.settings import ROOT, Settings, get_settings
from bot.training import ensure_model


def process_commands(settings: Settings, model: Path, endpoints: Path,
                     token: str) -> dict[str, list[str]]:
    """``make run``'s commands by name: the action server and the Rasa server (API
    enabled, protected by ``token``) on the configured ports."""
    python = sys.executable
    return {
        "actions": [python, "-m", "rasa_sdk", "--actions", "actions",
                    "--port", str(settings.actions_port)],
        "rasa": [python, "-m", "bot.rasa_server", "run", "--enable-api", "--model", str(model),
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


def run_prod() -> int:
    """``make run-prod``: PostgreSQL, Redis and RabbitMQ checked, the database created,
    migrated and seeded if needed, the model trained if needed, then two action servers
    and two Rasa replicas behind nginx on RASA_PORT. Ctrl-C stops everything."""
    os.environ.update(prod_environment())
    get_settings.cache_clear()
    settings = get_settings()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        check_services(settings)
    except ServiceMissing as missing:
        print(f"make run-prod: {missing}", file=sys.stderr)
        return 2
    for line in prepare_database(settings):
        print(line)
    prepare_tracker_store(settings.tracker_store_url)
    model = ensure_model()
    topology = ProdTopology.from_settings(settings)
    print(f"Starting {len(topology.action_ports)} action servers, "
          f"{len(topology.rasa_ports)} Rasa replicas and nginx (logs in "
          f"{settings.data_dir / 'prod' / 'logs'}) …", flush=True)
    try:
        with prod_stack(settings, topology, model=model) as stack:
            write_token(settings, stack.token)
            print(_prod_banner(stack), flush=True)
            while not stack.stopped():
                time.sleep(0.5)
            for process in stack.stopped():
                print(f"{process.name} stopped (log {process.log}):\n{process.tail()}",
                      file=sys.stderr)
            print("shutting down.", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        return 0
    except RuntimeError as error:
        print(f"make run-prod: {error}", file=sys.stderr)
        return 1


def _prod_banner(stack: ProdStack) -> str:
    t, s = stack.topology, stack.settings
    return "\n".join([
        f"Production profile up: nginx on {t.url} (REST /webhooks/rest/webhook, desk "
        f"/console/) and :{t.actions_port} (actions).",
        "  Rasa replicas: " + ", ".join(f"{t.host}:{p}" for p in t.rasa_ports),
        "  action servers: " + ", ".join(f"{t.host}:{p}" for p in t.action_ports),
        f"  PostgreSQL {service_address(s.database_url.replace('postgresql://', 'pg://'))}"
        f"/{s.database_url.rsplit('/', 1)[-1]}, "
        f"Redis lock store {service_address(s.redis_url)}, "
        f"RabbitMQ events {service_address(s.event_broker_url)} (queue {s.event_queue})",
        "Chat with `make shell`; Ctrl-C stops everything.",
    ])


def serve(role: str) -> int:
    """One process of the profile in a container (deploy/): ``rasa`` writes the endpoints
    file from the environment and runs the Rasa server on RASA_PORT; ``actions`` runs an
    action server on ACTIONS_PORT; ``gateway`` the WeChat gateway on WECHAT_GATEWAY_PORT.
    All listen on all interfaces."""
    settings = get_settings()
    if role == "actions":
        command = [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                   "--port", str(settings.actions_port)]
    elif role == "gateway":
        command = [sys.executable, "-m", "channels.wechat.gateway", "--host", "0.0.0.0",
                   "--port", str(settings.wechat_gateway_port)]
    else:
        # The container's own file system: DATA_DIR may be a volume replicas share.
        endpoints = write_endpoints(settings, Path(tempfile.mkdtemp(prefix="rasa-run-")))
        token = api_token(settings)
        command = [sys.executable, "-m", "bot.rasa_server", "run", "--enable-api", "--model",
                   str(ensure_model()), "--endpoints", str(endpoints), "--credentials",
                   str(ROOT / "credentials.yml"), "--port", str(settings.rasa_port),
                   f"--auth-token={token}"]
    os.execv(sys.executable, command)


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.launcher prod|migrate|serve ROLE|nginx-conf TARGET``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bot.launcher")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prod", help="make run-prod: the production profile")
    commands.add_parser("migrate", help="migrate the database and prepare Rasa's tracker "
                                        "store (a deployment's one-off job)")
    serve_parser = commands.add_parser("serve", help="one process in a container (deploy/)")
    serve_parser.add_argument("role", choices=["rasa", "actions", "gateway"])
    conf = commands.add_parser("nginx-conf", help="print the nginx config of deploy/")
    conf.add_argument("target", choices=["compose", "k8s"])
    args = parser.parse_args(argv)
    if args.command == "prod":
        return run_prod()
    if args.command == "serve":
        return serve(args.role)
    if args.command == "migrate":
        settings = get_settings()
        upgrade(settings.database_url)
        prepare_tracker_store(settings.tracker_store_url)
        return 0
    sys.stdout.write(deploy_nginx_config(args.target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
