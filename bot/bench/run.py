"""``make bench``: performance figures, printed (never pass/fail).

In one run, on this machine:

1. **baseline** — a plain Rasa project (``bench/baseline``: character n-gram logistic
   regression, rules, no actions, Rasa's defaults), the same return conversation's six
   messages over REST at the same concurrency.
2. **embedded** — the product as ``make run`` starts it (the launcher's commands: one Rasa
   server, one action server, SQLite) on a scratch database under ``var/bench/``: whole
   return conversations over REST at ``BENCH_CONCURRENCY`` (20), then over the WeChat
   webhook at ``WECHAT_CONCURRENCY`` (50) senders with a fake WeChat API receiving the
   answers.
3. **prod** — the production profile (``bot.prod.stack.prod_stack``: two Rasa replicas, two
   action servers, nginx, PostgreSQL, Redis lock store, RabbitMQ events) on a scratch
   PostgreSQL database: the same two loads, then a soak of ``SOAK_SECONDS`` (60; the
   issue's ten minutes: ``make bench SOAK_SECONDS=600``) with every process's memory
   (RSS) at its start and end.
4. **review** — the leads' conversation list at ``REVIEW_COUNT`` (100,000) conversations
   (``bot.bench.review_list``) on SQLite and on PostgreSQL.

Each load phase runs ``BENCH_SECONDS`` (30) after a short warm-up; every conversation
uses a fresh bench customer (``bot.bench.seeding``) and a photo never sent before.
Webhook rate limits (``RATE_LIMIT_*``) are raised for the load: every simulated customer
comes from 127.0.0.1. ``BENCH_PHASES=baseline,embedded`` runs a subset. The summary is
printed and kept in ``var/bench/summary.{txt,json}``; server logs in ``var/bench/*/``.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import platform
import re
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.bench.load import (
    BaselineTransport,
    PhotoServer,
    RestTransport,
    RunResult,
    WeChatFigures,
    WeChatTransport,
    baseline_journey,
    client_session,
    return_journey,
    run_load,
)
from bot.bench.seeding import BenchCustomer, seed_bench_customers
from bot.bench.stats import Latency, Recorder, fmt, ratio
from bot.settings import ROOT, WeChatSettings, load_settings

BENCH_DIR = ROOT / "var" / "bench"
STARTUP_SECONDS = 300
#: Generous upper bound of conversations per second, to seed enough customers.
MAX_CONVERSATIONS_PER_SECOND = 25
WECHAT = WeChatSettings(token="bench-token", app_id="wx-bench", app_secret="bench-secret",
                        aes_key=None, api_base_url="")
#: Every simulated customer comes from 127.0.0.1: the per-address limit must not refuse
#: them (the per-sender limit stays as configured: one customer sends six messages).
LOAD_ENV = {"RATE_LIMIT_IP_PER_MINUTE": "10000000", "RATE_LIMIT_IP_BURST": "1000000",
            "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TELEMETRY_ENABLED": "false"}


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


@dataclass
class Options:
    seconds: int = field(default_factory=lambda: _env_int("BENCH_SECONDS", 30))
    soak_seconds: int = field(default_factory=lambda: _env_int("SOAK_SECONDS", 60))
    concurrency: int = field(default_factory=lambda: _env_int("BENCH_CONCURRENCY", 20))
    wechat_concurrency: int = field(default_factory=lambda: _env_int("WECHAT_CONCURRENCY", 50))
    review_count: int = field(default_factory=lambda: _env_int("REVIEW_COUNT", 100_000))
    phases: tuple[str, ...] = field(default_factory=lambda: tuple(
        p.strip() for p in (os.environ.get("BENCH_PHASES")
                            or "baseline,embedded,prod,review").split(",") if p.strip()))

    def customers_for(self, seconds: float, concurrency: int) -> int:
        return int(MAX_CONVERSATIONS_PER_SECOND * seconds) + 3 * concurrency + 20


# --- figures -----------------------------------------------------------------------------

@dataclass
class LoadFigures:
    """One load phase, as printed."""

    profile: str
    channel: str
    concurrency: int
    seconds: float
    messages: int
    throughput: float
    latency: Latency
    errors: dict[str, int]
    conversations_started: int
    conversations_completed: int
    ran_out: bool = False
    # WeChat only: the assistant's answers (the ack is ``latency``).
    answer_latency: Latency | None = None
    sent: int | None = None
    answered: int | None = None
    #: CPU the load generator itself used (it shares the machine with the servers), as a
    #: share of one core over the phase.
    client_cpu: float | None = None
    #: Conversations the warm-up before the phase completed (they open cases too).
    warmup_completed: int = 0

    @classmethod
    def rest(cls, profile: str, concurrency: int, recorder: Recorder,
             result: RunResult) -> "LoadFigures":
        return cls(profile, "REST", concurrency, round(recorder.elapsed, 1), recorder.messages,
                   recorder.throughput, recorder.latency(), dict(recorder.errors),
                   result.conversations_started, result.conversations_completed, result.ran_out)

    @classmethod
    def wechat(cls, profile: str, concurrency: int, figures: WeChatFigures,
               result: RunResult) -> "LoadFigures":
        answers = figures.answer
        return cls(profile, "WeChat", concurrency, round(answers.elapsed, 1), answers.messages,
                   answers.throughput, figures.ack.latency(),
                   dict(figures.ack.errors + answers.errors), result.conversations_started,
                   result.conversations_completed, result.ran_out, answers.latency(),
                   figures.sent, figures.answered)


@dataclass
class Report:
    started: str
    machine: str
    options: dict[str, Any]
    loads: list[LoadFigures] = field(default_factory=list)
    memory: dict[str, dict[str, int]] = field(default_factory=dict)  # process → start/end kB
    soak_seconds: float | None = None
    review: dict[str, dict[str, float]] = field(default_factory=dict)  # db → query → p95
    #: The machine's 1-minute load average as each phase began (others share the cores).
    loadavg: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: profile → cases the bench customers hold / conversations completed / doubled.
    cases: dict[str, dict[str, int]] = field(default_factory=dict)

    def load(self, profile: str, channel: str) -> LoadFigures | None:
        return next((f for f in self.loads if f.profile == profile and f.channel == channel),
                    None)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, AttributeError):
        pass
    return (f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


# --- processes ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and its children (nginx's workers), in kB."""
    total = 0
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (OSError, AttributeError):
        return total
    return total + sum(rss_kb(int(child)) for child in children)


def wait_http(url: str, processes: list[subprocess.Popen], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError(f"a server exited while starting; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {STARTUP_SECONDS}s; see {log}")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fresh_dir(name: str) -> Path:
    path = BENCH_DIR / name
    shutil.rmtree(path, ignore_errors=True)
    (path / "logs").mkdir(parents=True)
    return path


def seed(url: str, count: int) -> list[BenchCustomer]:
    """Migrates ``url``, seeds the demo shop and ``count`` bench customers."""
    from sqlalchemy.orm import Session

    from bot.db.base import utcnow
    from bot.db.migrate import upgrade
    from bot.db.session import create_db_engine
    from bot.seed import seed_demo

    upgrade(url)
    engine = create_db_engine(url)
    with Session(engine, future=True) as session, session.begin():
        seed_demo(session, utcnow())
        customers = seed_bench_customers(session, count, utcnow())
    engine.dispose()
    return customers


def count_cases(url: str, customers: list[BenchCustomer]) -> dict[str, int]:
    """Cases the bench customers hold: how many, and how many customers hold more than one
    (each conversation claims one line once: a second case would be a doubled claim)."""
    from sqlalchemy import func, select

    from bot.db import ReturnCase
    from bot.db.session import create_db_engine

    ids = [c.customer_id for c in customers]
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(ReturnCase.customer_id, func.count(ReturnCase.id))
                .where(ReturnCase.customer_id.between(min(ids), max(ids)))
                .group_by(ReturnCase.customer_id)).all()
    finally:
        engine.dispose()
    return {"cases": sum(n for _, n in rows), "customers_with_two": sum(n > 1 for _, n in rows)}


class FakeApiRouter:
    """The fake WeChat API, started before the product, whose messages go to whichever
    WeChat transport is measuring."""

    def __init__(self) -> None:
        from channels.wechat.fake_api import FakeWeChatAPI

        self.target: WeChatTransport | None = None
        self.api = FakeWeChatAPI(WECHAT.app_id, WECHAT.app_secret, on_message=self._message)

    def _message(self, message: dict[str, Any]) -> None:
        if self.target is not None:
            self.target.on_api_message(message)

    def env(self) -> dict[str, str]:
        return {"WECHAT_TOKEN": WECHAT.token, "WECHAT_APP_ID": WECHAT.app_id,
                "WECHAT_APP_SECRET": WECHAT.app_secret, "WECHAT_API_BASE_URL": self.api.url}

    def close(self) -> None:
        self.api.close()


# --- measuring ---------------------------------------------------------------------------

async def measure_rest(profile: str, base_url: str, customers: Iterator[BenchCustomer],
                       photos: Iterator[int], concurrency: int, seconds: float,
                       baseline: bool = False) -> LoadFigures:
    server = PhotoServer()
    await server.start()
    try:
        async with client_session(concurrency) as session:
            journey = baseline_journey if baseline else return_journey
            kind = BaselineTransport if baseline else RestTransport
            # Warm-up (not measured): first requests load lazily built parts.
            warm = Recorder()
            warmup = await run_load(kind(session, base_url, warm, server.photo_url), journey,
                                    customers, concurrency=min(concurrency, 5), duration=3,
                                    recorders=[warm], photos=photos)
            recorder = Recorder()
            cpu = _cpu_seconds()
            result = await run_load(kind(session, base_url, recorder, server.photo_url),
                                    journey, customers, concurrency=concurrency,
                                    duration=seconds, recorders=[recorder], photos=photos)
    finally:
        await server.close()
    figures = LoadFigures.rest(profile, concurrency, recorder, result)
    figures.warmup_completed = warmup.conversations_completed
    return _with_client_cpu(figures, cpu)


async def measure_wechat(profile: str, base_url: str, router: FakeApiRouter,
                         customers: Iterator[BenchCustomer], photos: Iterator[int],
                         concurrency: int, seconds: float) -> LoadFigures:
    async with client_session(concurrency) as session:
        warm = WeChatFigures()
        transport = WeChatTransport(session, base_url, WECHAT, router.api, warm)
        router.target = transport
        warmup = await run_load(transport, return_journey, customers,
                                concurrency=min(concurrency, 5), duration=3,
                                recorders=[warm.ack, warm.answer], photos=photos)
        figures = WeChatFigures()
        transport = WeChatTransport(session, base_url, WECHAT, router.api, figures)
        router.target = transport
        cpu = _cpu_seconds()
        result = await run_load(transport, return_journey, customers, concurrency=concurrency,
                                duration=seconds, recorders=[figures.ack, figures.answer],
                                photos=photos)
        router.target = None
    measured = LoadFigures.wechat(profile, concurrency, figures, result)
    measured.warmup_completed = warmup.conversations_completed
    return _with_client_cpu(measured, cpu)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _with_client_cpu(figures: LoadFigures, cpu_before: float) -> LoadFigures:
    if figures.seconds:
        figures.client_cpu = (_cpu_seconds() - cpu_before) / figures.seconds
    return figures


def _progress(text: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {text}", flush=True)


def _show(figures: LoadFigures) -> None:
    latency = figures.latency
    extra = ""
    if figures.channel == "WeChat":
        extra = (f", answers p50 {fmt(figures.answer_latency.p50)} ms p99 "
                 f"{fmt(figures.answer_latency.p99)} ms, answered {figures.answered}/"
                 f"{figures.sent}")
    _progress(f"  {figures.profile} {figures.channel} x{figures.concurrency}: "
              f"{figures.messages} messages in {figures.seconds} s = "
              f"{figures.throughput:.1f} msg/s, p50 {fmt(latency.p50)} ms, p99 "
              f"{fmt(latency.p99)} ms, errors {sum(figures.errors.values())}{extra}")


# --- phases ------------------------------------------------------------------------------

def run_baseline(options: Options, report: Report) -> None:
    from bot.bench import baseline

    workdir = fresh_dir("baseline")
    _progress("baseline: training (cached) and starting a plain Rasa …")
    model = baseline.ensure_model()
    port = free_port()
    log = workdir / "logs" / "rasa.log"
    process = subprocess.Popen(baseline.serve_command(model, port), cwd=baseline.PROJECT,
                               env={**os.environ, **LOAD_ENV}, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/", [process], log)
        senders = (BenchCustomer(0, f"baseline-{n}", "") for n in itertools.count())
        figures = asyncio.run(measure_rest("baseline", f"http://127.0.0.1:{port}", senders,
                                           itertools.count(), options.concurrency,
                                           options.seconds, baseline=True))
        report.loads.append(figures)
        _show(figures)
    finally:
        stop([process])


def run_embedded(options: Options, report: Report) -> None:
    from bot.launcher import process_commands
    from bot.prod.rasa_config import write_endpoints
    from bot.training import ensure_model

    workdir = fresh_dir("embedded")
    _progress("embedded: training if needed, seeding a scratch SQLite database …")
    model = ensure_model()
    url = f"sqlite:///{workdir / 'bot.db'}"
    rest_count = options.customers_for(options.seconds + 3, options.concurrency)
    wechat_count = options.customers_for(options.seconds + 3, options.wechat_concurrency)
    customers = seed(url, rest_count + wechat_count)
    router = FakeApiRouter()
    token = secrets.token_hex(16)
    rasa_port, actions_port = free_port(), free_port()
    env = {**os.environ, **LOAD_ENV, **router.env(), "PYTHONPATH": str(ROOT),
           "DATABASE_URL": url, "DATA_DIR": str(workdir / "data"), "RASA_PORT": str(rasa_port),
           "ACTIONS_PORT": str(actions_port), "RASA_API_TOKEN": token}
    for name in ("TRACKER_STORE_URL", "REDIS_URL", "EVENT_BROKER_URL", "ACTION_ENDPOINT_URL",
                 "RASA_URL", "PUBLIC_URL"):
        env.pop(name, None)  # the embedded default, whatever this shell has set
    settings = load_settings(env)
    endpoints = write_endpoints(settings, workdir / "run")
    logs, processes = {}, {}
    for name, command in process_commands(settings, model, endpoints, token).items():
        logs[name] = workdir / "logs" / f"{name}.log"
        processes[name] = subprocess.Popen(command, cwd=ROOT, env=env,
                                           stdout=logs[name].open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{rasa_port}"
    try:
        wait_http(f"http://127.0.0.1:{actions_port}/health", list(processes.values()),
                  logs["actions"])
        wait_http(f"{base}/status?token={token}", list(processes.values()), logs["rasa"])
        memory_start = {name: rss_kb(p.pid) for name, p in processes.items()}
        photos = itertools.count()
        _progress(f"embedded: REST, {options.concurrency} conversations at once, "
                  f"{options.seconds} s …")
        rest = asyncio.run(measure_rest("embedded", base, iter(customers[:rest_count]), photos,
                                        options.concurrency, options.seconds))
        report.loads.append(rest)
        _show(rest)
        _progress(f"embedded: WeChat webhook, {options.wechat_concurrency} senders, "
                  f"{options.seconds} s …")
        wechat = asyncio.run(measure_wechat("embedded", base, router,
                                            iter(customers[rest_count:]), photos,
                                            options.wechat_concurrency, options.seconds))
        report.loads.append(wechat)
        _show(wechat)
        report.cases["embedded"] = {**count_cases(url, customers), "completed": sum(
            f.conversations_completed + f.warmup_completed for f in (rest, wechat))}
        for name, process in processes.items():
            report.memory[f"embedded {name}"] = {"start": memory_start[name],
                                                 "end": rss_kb(process.pid)}
    finally:
        stop(list(processes.values()))
        router.close()


def scratch_postgres(url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT",
                          future=True)
    with admin.connect() as connection:
        connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name})
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return str(make_url(url).set(database=name))


def delete_queue(url: str, queue: str) -> None:
    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect(url)
        await (await connection.channel()).queue_delete(queue)
        await connection.close()

    try:
        asyncio.run(delete())
    except Exception as error:  # noqa: BLE001 (tidying up only)
        _progress(f"prod: could not delete the bench queue {queue}: {error}")


def run_prod(options: Options, report: Report) -> None:
    from bot.prod.database import prepare_tracker_store
    from bot.prod.services import PROD_DEFAULTS, ServiceMissing, check_services
    from bot.prod.stack import prod_stack
    from bot.prod.topology import ProdTopology
    from bot.training import ensure_model

    workdir = fresh_dir("prod")
    base_env = {**PROD_DEFAULTS, "REDIS_URL": os.environ.get("BENCH_REDIS_URL")
                or "redis://127.0.0.1:6379/13"}
    for name in ("DATABASE_URL", "EVENT_BROKER_URL"):
        base_env[name] = os.environ.get(f"BENCH_{name}") or base_env[name]
    try:
        check_services(load_settings(base_env))
    except ServiceMissing as missing:
        report.notes.append(f"prod profile not measured: {missing}")
        _progress(f"prod: skipped — {missing}")
        return
    _progress("prod: scratch PostgreSQL database bot_bench, seeding …")
    url = scratch_postgres(base_env["DATABASE_URL"], "bot_bench")
    rest_count = options.customers_for(options.seconds + 3, options.concurrency)
    wechat_count = options.customers_for(options.seconds + 3, options.wechat_concurrency)
    soak_count = options.customers_for(options.soak_seconds, options.concurrency)
    customers = seed(url, rest_count + wechat_count + soak_count)
    prepare_tracker_store(url)
    model = ensure_model()
    router = FakeApiRouter()
    queue = f"bench.review_index.{secrets.token_hex(3)}"
    env = {**base_env, **LOAD_ENV, **router.env(), "DATABASE_URL": url,
           "TRACKER_STORE_URL": url, "EVENT_BROKER_QUEUE": queue,
           "DATA_DIR": str(workdir / "data"), "RASA_API_TOKEN": secrets.token_hex(16)}
    settings = load_settings({**os.environ, **env})
    ports = [free_port() for _ in range(7)]
    topology = ProdTopology(ports[0], ports[1], tuple(ports[2:4]), tuple(ports[4:6]),
                            (ports[6],))
    _progress("prod: starting 2 action servers, 2 Rasa replicas and nginx …")
    try:
        with prod_stack(settings, topology, run_dir=workdir, model=model, extra_env=env,
                        console_secret=secrets.token_urlsafe(32)) as stack:
            photos = itertools.count()
            _progress(f"prod: REST, {options.concurrency} conversations at once, "
                      f"{options.seconds} s …")
            rest = asyncio.run(measure_rest("prod", stack.url, iter(customers[:rest_count]),
                                            photos, options.concurrency, options.seconds))
            report.loads.append(rest)
            _show(rest)
            _progress(f"prod: WeChat webhook, {options.wechat_concurrency} senders, "
                      f"{options.seconds} s …")
            wechat = asyncio.run(measure_wechat(
                "prod", stack.url, router, iter(customers[rest_count:rest_count + wechat_count]),
                photos, options.wechat_concurrency, options.seconds))
            report.loads.append(wechat)
            _show(wechat)
            if options.soak_seconds > 0:
                pids = stack.pids()
                start = {name: rss_kb(pid) for name, pid in pids.items()}
                _progress(f"prod: soak, REST x{options.concurrency} for "
                          f"{options.soak_seconds} s …")
                soak = asyncio.run(measure_rest(
                    "prod soak", stack.url, iter(customers[rest_count + wechat_count:]), photos,
                    options.concurrency, options.soak_seconds))
                report.loads.append(soak)
                _show(soak)
                report.soak_seconds = soak.seconds
                for name, pid in pids.items():
                    report.memory[f"prod {name}"] = {"start": start[name], "end": rss_kb(pid)}
            completed = sum(f.conversations_completed + f.warmup_completed
                            for f in report.loads if f.profile.startswith("prod"))
            report.cases["prod"] = {**count_cases(url, customers), "completed": completed}
    finally:
        router.close()
        delete_queue(env["EVENT_BROKER_URL"], queue)


def run_review(options: Options, report: Report) -> None:
    targets = {"SQLite": None}
    try:
        from bot.prod.services import PROD_DEFAULTS, ensure_postgres_database

        pg = os.environ.get("BENCH_DATABASE_URL") or PROD_DEFAULTS["DATABASE_URL"]
        ensure_postgres_database(pg)  # reachable?
        targets["PostgreSQL"] = scratch_postgres(pg, "bot_bench_review")
    except Exception as error:  # noqa: BLE001 (the SQLite figure still stands)
        report.notes.append(f"review list on PostgreSQL not measured: {error}")
    for label, url in targets.items():
        _progress(f"review: the leads' list at {options.review_count:,} conversations on "
                  f"{label} …")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("BENCH_DATABASE_URL", None)
        if url:
            env["BENCH_DATABASE_URL"] = url
        result = subprocess.run([sys.executable, "-m", "bot.bench.review_list", "--count",
                                 str(options.review_count), "--repeat", "20"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=3600)
        if result.returncode != 0:
            report.notes.append(f"review list on {label} failed: {result.stderr[-500:]}")
            continue
        figures = {}
        for line in result.stdout.splitlines():
            found = re.match(r"\s+(.+?)\s+p50\s+([\d.]+) ms\s+p95\s+([\d.]+) ms", line)
            if found:
                figures[found.group(1)] = float(found.group(3))
        report.review[label] = figures
        _progress(f"  {label}: slowest p95 {max(figures.values()):.1f} ms over "
                  f"{len(figures)} queries")


# --- the summary -------------------------------------------------------------------------

def summary(report: Report) -> str:
    lines = [f"make bench — {report.started} — {report.machine}",
             f"  {report.options}", ""]
    baseline = report.load("baseline", "REST")
    header = (f"{'profile':<11} {'channel':<7} {'conc':>4} {'msgs':>6} {'msg/s':>7} "
              f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} {'conv ok':>9} "
              f"{'vs base':>7}")
    lines += [header, "-" * len(header)]
    for f in report.loads:
        vs = ratio(f.throughput, baseline.throughput if baseline else None)
        latency = f.latency
        label = f.channel + (" ack" if f.channel == "WeChat" else "")
        lines.append(
            f"{f.profile:<11} {label:<7} {f.concurrency:>4} {f.messages:>6} "
            f"{f.throughput:>7.1f} {fmt(latency.p50):>7} {fmt(latency.p95):>7} "
            f"{fmt(latency.p99):>7} {sum(f.errors.values()):>6} "
            f"{f.conversations_completed:>4}/{f.conversations_started:<4} "
            f"{fmt(vs, 2) if f.channel == 'REST' and f.profile != 'baseline' else '':>7}")
    wechat = [f for f in report.loads if f.channel == "WeChat"]
    if wechat:
        lines += ["", "WeChat answers (POST to the expected reply at the fake API):"]
        for f in wechat:
            a = f.answer_latency
            lines.append(f"  {f.profile}: answered {f.answered}/{f.sent} messages; answer "
                         f"p50 {fmt(a.p50)} ms, p95 {fmt(a.p95)} ms, p99 {fmt(a.p99)} ms")
    shares = [f"{f.profile} {f.channel} {f.client_cpu:.0%}" for f in report.loads
              if f.client_cpu is not None]
    if shares:
        lines += ["", "The load generator's own CPU (share of one core; it runs on the same "
                  "machine): " + ", ".join(shares)]
    for profile, cases in report.cases.items():
        lines.append(f"Cases ({profile}): {cases['cases']} opened by bench customers for "
                     f"{cases['completed']} completed conversations (warm-ups included); "
                     f"customers with two cases: {cases['customers_with_two']}")
    errors = [(f, f.errors) for f in report.loads if f.errors]
    if errors:
        lines += ["", "Errors:"]
        lines += [f"  {f.profile} {f.channel}: " + ", ".join(f"{k} ×{v}" for k, v in e.items())
                  for f, e in errors]
    if report.memory:
        lines += ["", "Memory (RSS) per process, start → end (embedded: over its two load "
                  "phases; prod: over the soak"
                  + (f", {report.soak_seconds:.0f} s" if report.soak_seconds else "") + "):"]
        for name, kb in report.memory.items():
            growth = (kb["end"] - kb["start"]) / kb["start"] * 100 if kb["start"] else 0
            lines.append(f"  {name:<22} {kb['start'] / 1024:7.1f} MB → {kb['end'] / 1024:7.1f} MB"
                         f"  ({growth:+.1f}%)")
    for label, figures in report.review.items():
        if figures:
            slowest = max(figures, key=figures.get)
            lines.append(f"\nLeads' conversation list, {report.options['review_count']:,} "
                         f"conversations on {label}: slowest p95 {figures[slowest]:.1f} ms "
                         f"({slowest}); all: " + ", ".join(f"{v:.0f}" for v in figures.values())
                         + " ms")
    goals = ["", "The issue's goals, for reading the figures (not checked): embedded REST x20 ≥ 60 "
             "msg/s, p99 ≤ 600 ms, ≥ 0.8 of the baseline's msg/s; WeChat ack p99 ≤ 50 ms at 50 "
             "senders, every message answered; the same with two replicas; soak memory growth "
             "≤ 10%; console list p95 ≤ 200 ms at 100,000 conversations."]
    lines += goals + [f"Note: {n}" for n in report.notes]
    if report.loadavg:
        lines.append("Load average (1 min) as each phase began, on "
                     f"{os.cpu_count()} cores: " + ", ".join(
                         f"{k} {v}" for k, v in report.loadavg.items()))
    return "\n".join(lines)


def main() -> int:
    options = Options()
    report = Report(datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M %Z"),
                    machine(), {k: v for k, v in asdict(options).items()})
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    phases = {"baseline": run_baseline, "embedded": run_embedded, "prod": run_prod,
              "review": run_review}
    for name in options.phases:
        if name not in phases:
            print(f"unknown phase {name!r} (BENCH_PHASES: {', '.join(phases)})", file=sys.stderr)
            return 2
        report.loadavg[name] = round(os.getloadavg()[0], 2)
        try:
            phases[name](options, report)
        except Exception as error:  # noqa: BLE001 (report it, go on with the others)
            report.notes.append(f"{name} failed: {type(error).__name__}: {error}")
            _progress(f"{name}: FAILED — {error}")
    text = summary(report)
    print("\n" + text)
    (BENCH_DIR / "summary.txt").write_text(text + "\n", encoding="utf-8")
    (BENCH_DIR / "summary.json").write_text(json.dumps(asdict(report), ensure_ascii=False,
                                                       indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
