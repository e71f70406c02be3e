"""``make run``: prepares the embedded database and model, then runs every process."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import yaml

from bot.chat import token_file
from bot.db.base import utcnow
from bot.db.migrate import upgrade
from bot.db.session import unit_of_work
from bot.seed import seed_demo
from bot.settings import ROOT, Settings, get_settings, load_settings
from bot.training import ensure_model

#: Redis keys of Rasa's conversation locks: ``aftersales:lock:<sender id>``.
LOCK_KEY_PREFIX = "aftersales"


def prepare_database(settings: Settings) -> list[str]:
    """Migrates the database and seeds the demo shop if it is empty."""
    upgrade(settings.database_url)
    with unit_of_work() as session:
        return seed_demo(session, utcnow()).lines()


#: Rasa's session-start lookup (see migration 0010), on its ``events`` table.
TRACKER_LOOKUP_INDEX = "ix_events_sender_type_timestamp"


def prepare_tracker_store(url: str) -> bool:
    """Creates Rasa's ``events`` table (Rasa's own declaration) if it is missing, and the
    ``(sender_id, type_name, timestamp)`` index Rasa's per-message session-start lookup
    needs; returns True if the index was created. Idempotent; run before the servers
    start, so the table never exists without its index."""
    from rasa.core.tracker_store import SQLTrackerStore
    from sqlalchemy import Index, MetaData, inspect

    from bot.db.session import create_db_engine

    # A copy, so Rasa's own metadata stays as Rasa declares it.
    table = SQLTrackerStore.SQLEvent.__table__.to_metadata(MetaData())
    engine = create_db_engine(url)
    try:
        table.create(engine, checkfirst=True)
        if TRACKER_LOOKUP_INDEX in {i["name"] for i in inspect(engine).get_indexes("events")}:
            return False
        Index(TRACKER_LOOKUP_INDEX, table.c.sender_id, table.c.type_name,
              table.c.timestamp).create(engine)
        return True
    finally:
        engine.dispose()


def lock_store_config(redis_url: str) -> dict[str, Any]:
    """Rasa's Redis lock store for ``redis://[user:password@]host:port/db`` (Rasa 3.6's
    ``RedisLockStore`` takes host, port and db, not a URL), as
    ``bot.lock_store.AtomicRedisLockStore``: Rasa's own ``type: redis`` changes its locks
    with a non-atomic GET then SET, which loses a turn when two replicas take messages
    of one conversation at the same moment."""
    url = urlsplit(redis_url)
    if url.scheme not in ("redis", "rediss"):
        raise ValueError(f"REDIS_URL must be redis://host:port/db, not {redis_url!r}")
    config: dict[str, Any] = {
        "type": "bot.lock_store.AtomicRedisLockStore",
        "url": url.hostname or "127.0.0.1", "port": url.port or 6379,
        "db": int(url.path.strip("/") or 0), "key_prefix": LOCK_KEY_PREFIX,
    }
    if url.username:
        config["username"] = unquote(url.username)
    if url.password:
        config["password"] = unquote(url.password)
    if url.scheme == "rediss":
        config["use_ssl"] = True
    return config


def event_broker_config(amqp_url: str, queue: str) -> dict[str, Any]:
    """Rasa's ``event_broker: type: pika`` for ``amqp://user:password@host:port/vhost``:
    every tracker event is published to the fanout exchange ``rasa-exchange`` and the
    durable ``queue`` bound to it (``channels.broker_consumer`` reads it)."""
    url = urlsplit(amqp_url)
    if url.scheme not in ("amqp", "amqps"):
        raise ValueError(f"EVENT_BROKER_URL must be amqp://user:password@host:port/, "
                         f"not {amqp_url!r}")
    host, port = url.hostname or "127.0.0.1", url.port or 5672
    vhost = unquote(url.path[1:]) if len(url.path) > 1 else "/"
    return {
        "type": "pika",
        # A vhost other than "/" needs the URL form (Rasa adds the credentials to it).
        "url": host if vhost == "/" else f"{url.scheme}://{host}:{port}/{quote(vhost, safe='')}",
        "port": port,
        "username": unquote(url.username or "guest"),
        "password": unquote(url.password or "guest"),
        "queues": [queue],
    }


def endpoints_config(settings: Settings) -> dict[str, Any]:
    """``endpoints.yml`` with the configured action server address, plus the Redis lock
    store when ``REDIS_URL`` is set and the RabbitMQ event broker when
    ``EVENT_BROKER_URL`` is set (neither by default: ``make run`` is unchanged)."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = settings.action_endpoint_url
    if settings.redis_url:
        endpoints["lock_store"] = lock_store_config(settings.redis_url)
    if settings.event_broker_url:
        endpoints["event_broker"] = event_broker_config(settings.event_broker_url,
                                                        settings.event_queue)
    return endpoints


def write_endpoints(settings: Settings, run_dir: Path, name: str = "endpoints.yml") -> Path:
    """Rasa's endpoints file (``endpoints_config``), readable by this user only (it may
    hold the Redis and RabbitMQ passwords)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / name
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(yaml.safe_dump(endpoints_config(settings), allow_unicode=True,
                                   sort_keys=False), encoding="utf-8")
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


# --- the production profile: ``make run-prod`` -----------------------------------------

#: Where ``make run-prod`` finds its services unless the environment says otherwise.
PROD_DEFAULTS = {
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/bot_prod",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "EVENT_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/",
}
#: What the launcher sets for every product process (Rasa replicas and action servers);
#: deploy/compose.yaml and deploy/k8s/ give their containers the same names
#: (tests/services/test_deploy_files.py keeps them in step).
PRODUCT_ENV = ("DATABASE_URL", "TRACKER_STORE_URL", "REDIS_URL", "EVENT_BROKER_URL",
               "EVENT_BROKER_QUEUE", "DATA_DIR", "RASA_API_TOKEN", "CONSOLE_SECRET",
               "RASA_URL", "PUBLIC_URL", "ACTION_ENDPOINT_URL")
#: Set for the processes nginx passes the public's requests to (Rasa replicas, WeChat
#: gateways): Sanic takes the client's address from nginx's X-Forwarded-For (one proxy),
#: so per-IP limits and sign-in records see the client.
PROXIED_ENV = {"SANIC_PROXIES_COUNT": "1"}
PROD_STARTUP_SECONDS = 300


class ServiceMissing(RuntimeError):
    """A service the production profile needs is not there; the message says which."""


@dataclass(frozen=True)
class ProdTopology:
    """Who listens where: nginx on ``rasa_port`` (Rasa) and ``actions_port`` (actions),
    the replicas, action servers and WeChat gateways on their own loopback ports behind
    it (no gateway: Rasa's replicas take WeChat's webhook themselves)."""

    rasa_port: int
    actions_port: int
    rasa_ports: tuple[int, ...]
    action_ports: tuple[int, ...]
    gateway_ports: tuple[int, ...] = ()
    host: str = "127.0.0.1"

    @classmethod
    def from_settings(cls, settings: Settings) -> "ProdTopology":
        """nginx on RASA_PORT / ACTIONS_PORT; replicas on the ports right after them, the
        gateways after the replicas."""
        after_replicas = settings.rasa_port + 1 + settings.rasa_replicas
        return cls(settings.rasa_port, settings.actions_port,
                   tuple(settings.rasa_port + 1 + n for n in range(settings.rasa_replicas)),
                   tuple(settings.actions_port + 1 + n for n in range(settings.action_servers)),
                   tuple(after_replicas + n for n in range(settings.wechat_gateways)))

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"


def nginx_config(*, rasa_listen: str, actions_listen: str, rasa_servers: list[str],
                 action_servers: list[str], gateway_servers: Sequence[str] = (),
                 user: str | None = None,
                 access_log: str | None = "logs/access.log", worker_processes: int = 1,
                 temp_dir: str = "tmp/", pid_file: str = "nginx.pid") -> str:
    """nginx in front of the Rasa replicas and the action servers.

    Its pid and temp files are relative to nginx's prefix (``-p``) by default, so it runs
    unprivileged from any directory. Server-sent events (the desk's
    ``/console/api/events``) are passed through unbuffered; WeChat's webhook goes to the
    WeChat gateways (``channels.wechat.gateway``), which answer WeChat at once and leave
    the messages to the replicas' inbox workers — without gateways, a WeChat user's
    messages go to one replica (hash of ``openid``), which keeps them in order; a POST is never
    retried on another replica once sent (no doubled messages). An action call that an
    action server dropped (it died mid-request) *is* retried on the other one: an action
    only reads the tracker it is sent, and what it changes is keyed (a case by its
    claim, a refund by its ``out_refund_no``, a handoff by its conversation), so running
    it twice changes nothing twice. Idle upstream connections
    are closed after 4 s, before Sanic's own 5 s keep-alive timeout: otherwise nginx could
    send a request on a connection the server is just closing and answer 502.
    """
    def servers(addresses: list[str], extra: str = "") -> str:
        return "".join(f"        server {a} max_fails=1 fail_timeout=5s{extra};\n"
                       for a in addresses)

    proxy = """\
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
"""
    # The replicas stand in (more slowly) while no gateway answers.
    gateways = f"""\
    upstream wechat_gateway {{
{servers(list(gateway_servers))}{servers(rasa_servers, " backup")}        keepalive 64;
        keepalive_timeout 4s;
    }}
""" if gateway_servers else ""
    return f"""\
# Generated by bot/launcher.py (nginx_config); make run-prod writes its own copy.
{f"user {user};" if user else "# (no user directive: started unprivileged)"}
worker_processes {worker_processes};
pid {pid_file};
error_log stderr warn;

events {{
    worker_connections 4096;
}}

http {{
    log_format upstream '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                        '$request_time $upstream_addr $upstream_response_time';
    {f"access_log {access_log} upstream buffer=64k flush=1s;" if access_log else "access_log off;"}
    client_body_temp_path {temp_dir}client_body;
    proxy_temp_path {temp_dir}proxy;
    fastcgi_temp_path {temp_dir}fastcgi;
    uwsgi_temp_path {temp_dir}uwsgi;
    scgi_temp_path {temp_dir}scgi;
    client_max_body_size 12m;
    client_body_buffer_size 1m;
    server_tokens off;

    upstream rasa {{
{servers(rasa_servers)}        keepalive 64;
        keepalive_timeout 4s;
    }}
    upstream rasa_by_openid {{
        hash $arg_openid consistent;
{servers(rasa_servers)}        keepalive 64;
        keepalive_timeout 4s;
    }}
    upstream actions {{
{servers(action_servers)}        keepalive 64;
        keepalive_timeout 4s;
    }}
{gateways}
    server {{
        listen {rasa_listen};
        location = /console/api/events {{
{proxy}            proxy_next_upstream error timeout;
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout 1h;
            proxy_pass http://rasa;
        }}
        location /webhooks/wechat/ {{
{proxy}            proxy_next_upstream error timeout;
            proxy_read_timeout 120s;
            proxy_pass http://{"wechat_gateway" if gateway_servers else "rasa_by_openid"};
        }}
        location / {{
{proxy}            proxy_next_upstream error timeout;
            proxy_read_timeout 120s;
            proxy_pass http://rasa;
        }}
    }}

    server {{
        listen {actions_listen};
        location / {{
{proxy}            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 2;
            proxy_read_timeout 120s;
            proxy_pass http://actions;
        }}
    }}
}}
"""


def local_nginx_config(topology: ProdTopology) -> str:
    """The run-prod nginx: loopback only; as root, its workers run as ``nobody``."""
    user = "nobody nogroup" if os.geteuid() == 0 else None
    host = topology.host
    return nginx_config(rasa_listen=f"{host}:{topology.rasa_port}",
                        actions_listen=f"{host}:{topology.actions_port}",
                        rasa_servers=[f"{host}:{p}" for p in topology.rasa_ports],
                        action_servers=[f"{host}:{p}" for p in topology.action_ports],
                        gateway_servers=[f"{host}:{p}" for p in topology.gateway_ports],
                        user=user)


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    if found is None:
        raise ServiceMissing("nginx is not installed: run `make setup` (installs Debian's "
                             "nginx package) or `apt-get install nginx`.")
    return found


def ensure_postgres_database(url: str) -> bool:
    """Creates the database of ``url`` on its server if it is missing; True if created.

    Raises:
        ServiceMissing: not a PostgreSQL URL, or the server cannot be reached.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ServiceMissing(f"the production profile keeps its data in PostgreSQL; "
                             f"DATABASE_URL is {parsed.get_backend_name()} ({url!r})")
    name = parsed.database
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT",
                          future=True, connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": name}):
                return False
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            return True
    except Exception as error:
        raise ServiceMissing(
            f"PostgreSQL is not reachable at {parsed.host or 'localhost'}:{parsed.port or 5432}"
            f" ({type(error).__name__}: {str(error).strip().splitlines()[0]}). make run-prod "
            "needs PostgreSQL; start it or point DATABASE_URL at one.") from error
    finally:
        admin.dispose()


def check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5).ping()
    except Exception as error:
        raise ServiceMissing(f"Redis is not reachable at {_where(url)} ({error}). "
                             "make run-prod needs Redis for Rasa's lock store; start it or "
                             "set REDIS_URL.") from error


def check_rabbitmq(url: str) -> None:
    import asyncio

    import aio_pika

    async def probe() -> None:
        connection = await aio_pika.connect(url, timeout=5)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as error:
        raise ServiceMissing(f"RabbitMQ is not reachable at {_where(url)} "
                             f"({type(error).__name__}: {error}). make run-prod needs RabbitMQ"
                             " for conversation events; start it or set EVENT_BROKER_URL.") \
            from error


def _where(url: str) -> str:
    """host:port of a service URL, never its password."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def check_services(settings: Settings) -> None:
    """Fails with a clear message when a service of the production profile is missing."""
    nginx_binary()
    if not settings.redis_url:
        raise ServiceMissing("REDIS_URL is empty: the replicas need Redis's lock store")
    check_redis(settings.redis_url)
    if not settings.event_broker_url:
        raise ServiceMissing("EVENT_BROKER_URL is empty: the profile publishes conversation "
                             "events to RabbitMQ")
    check_rabbitmq(settings.event_broker_url)
    # Last: it creates the database when the server is there but the database is not.
    ensure_postgres_database(settings.database_url)
    if settings.tracker_store_url != settings.database_url:
        ensure_postgres_database(settings.tracker_store_url)


def prod_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (``os.environ``) with the production defaults for what it leaves unset."""
    env = dict(os.environ if env is None else env)
    for name, value in PROD_DEFAULTS.items():
        if not env.get(name):
            env[name] = value
    return env


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
        return next(p for p in self.processes if p.name == name)

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


def product_env(settings: Settings, topology: ProdTopology, token: str,
                console_secret: str) -> dict[str, str]:
    """The settings every product process of the profile gets (names: ``PRODUCT_ENV``)."""
    host = topology.host
    env = {
        "DATABASE_URL": settings.database_url,
        "TRACKER_STORE_URL": settings.tracker_store_url,
        "REDIS_URL": settings.redis_url or "",
        "EVENT_BROKER_URL": settings.event_broker_url or "",
        "EVENT_BROKER_QUEUE": settings.event_queue,
        "DATA_DIR": str(settings.data_dir),
        "RASA_API_TOKEN": token,
        "CONSOLE_SECRET": console_secret,
        "RASA_URL": topology.url,
        "PUBLIC_URL": settings.public_url if os.environ.get("PUBLIC_URL") else topology.url,
        "ACTION_ENDPOINT_URL": f"http://{host}:{topology.actions_port}/webhook",
    }
    assert tuple(env) == PRODUCT_ENV
    return env


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
        f"  PostgreSQL {_where(s.database_url.replace('postgresql://', 'pg://'))}"
        f"/{s.database_url.rsplit('/', 1)[-1]}, Redis lock store {_where(s.redis_url)}, "
        f"RabbitMQ events {_where(s.event_broker_url)} (queue {s.event_queue})",
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


def deploy_nginx_config(target: str) -> str:
    """The nginx config deploy/ ships: Compose names each replica (rasa-1, rasa-2, …);
    Kubernetes runs Rasa as a StatefulSet whose pods a headless Service names (rasa-0.rasa,
    …), the action servers and WeChat gateways behind the ``actions`` and ``gateway``
    Services."""
    settings = load_settings({})
    port = settings.wechat_gateway_port
    if target == "compose":
        rasa = [f"rasa-{n + 1}:{settings.rasa_port}" for n in range(settings.rasa_replicas)]
        actions = [f"actions-{n + 1}:{settings.actions_port}"
                   for n in range(settings.action_servers)]
        gateways = [f"gateway-{n + 1}:{port}" for n in range(settings.wechat_gateways)]
    else:
        rasa = [f"rasa-{n}.rasa:{settings.rasa_port}" for n in range(settings.rasa_replicas)]
        actions = [f"actions:{settings.actions_port}"]
        gateways = [f"gateway:{port}"] if settings.wechat_gateways else []
    return nginx_config(rasa_listen=str(settings.rasa_port),
                        actions_listen=str(settings.actions_port), rasa_servers=rasa,
                        action_servers=actions, gateway_servers=gateways, user="nginx",
                        access_log="/dev/stdout",
                        worker_processes=2, temp_dir="/var/cache/nginx/",
                        pid_file="/var/run/nginx.pid")


if __name__ == "__main__":
    sys.exit(main())
