"""The four phases of a ``make bench`` run; each measures one profile and adds its
figures to the report (see ``bot.bench.run``):

- ``run_baseline`` — a plain Rasa project (``bench/baseline``) over REST;
- ``run_embedded`` — the product as ``make run`` starts it, on scratch SQLite, over REST
  and the WeChat webhook;
- ``run_prod`` — the production profile on scratch PostgreSQL, the same two loads, then
  the soak with every process's memory;
- ``run_review`` — the leads' conversation list on SQLite and on PostgreSQL.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import re
import secrets
import subprocess
import sys

from bot.bench.figures import Report
from bot.bench.measuring import measure_rest, measure_wechat
from bot.bench.options import Options
from bot.bench.processes import LOAD_ENV, fresh_dir, rss_kb, stop, wait_http
from bot.bench.progress import progress, show
from bot.bench.scratch import count_cases, delete_queue, scratch_postgres, seed
from bot.bench.seeding import BenchCustomer
from bot.bench.wechat_api import FakeApiRouter
from bot.ports import free_port, free_ports
from bot.settings import ROOT, load_settings


def run_baseline(options: Options, report: Report) -> None:
    """Measures a plain Rasa project (``bench/baseline``) over REST."""
    from bot.bench import baseline

    workdir = fresh_dir("baseline")
    progress("baseline: training (cached) and starting a plain Rasa …")
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
        show(figures)
    finally:
        stop([process])


def run_embedded(options: Options, report: Report) -> None:
    """Measures the product as ``make run`` starts it, on a scratch SQLite database:
    REST, then the WeChat webhook; the cases opened and every process's memory."""
    from bot.launcher import process_commands
    from bot.prod.rasa_config import write_endpoints
    from bot.training import ensure_model

    workdir = fresh_dir("embedded")
    progress("embedded: training if needed, seeding a scratch SQLite database …")
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
        progress(f"embedded: REST, {options.concurrency} conversations at once, "
                 f"{options.seconds} s …")
        rest = asyncio.run(measure_rest("embedded", base, iter(customers[:rest_count]), photos,
                                        options.concurrency, options.seconds))
        report.loads.append(rest)
        show(rest)
        progress(f"embedded: WeChat webhook, {options.wechat_concurrency} senders, "
                 f"{options.seconds} s …")
        wechat = asyncio.run(measure_wechat("embedded", base, router,
                                            iter(customers[rest_count:]), photos,
                                            options.wechat_concurrency, options.seconds))
        report.loads.append(wechat)
        show(wechat)
        report.cases["embedded"] = {**count_cases(url, customers), "completed": sum(
            f.conversations_completed + f.warmup_completed for f in (rest, wechat))}
        for name, process in processes.items():
            report.memory[f"embedded {name}"] = {"start": memory_start[name],
                                                 "end": rss_kb(process.pid)}
    finally:
        stop(list(processes.values()))
        router.close()


def run_prod(options: Options, report: Report) -> None:
    """Measures the production profile on a scratch PostgreSQL database: REST, the
    WeChat webhook, then the soak with every process's memory. Skipped, with a note,
    when its services are missing."""
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
        progress(f"prod: skipped — {missing}")
        return
    progress("prod: scratch PostgreSQL database bot_bench, seeding …")
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
    ports = free_ports(7)
    topology = ProdTopology(ports[0], ports[1], tuple(ports[2:4]), tuple(ports[4:6]),
                            (ports[6],))
    progress("prod: starting 2 action servers, 2 Rasa replicas and nginx …")
    try:
        with prod_stack(settings, topology, run_dir=workdir, model=model, extra_env=env,
                        console_secret=secrets.token_urlsafe(32)) as stack:
            photos = itertools.count()
            progress(f"prod: REST, {options.concurrency} conversations at once, "
                     f"{options.seconds} s …")
            rest = asyncio.run(measure_rest("prod", stack.url, iter(customers[:rest_count]),
                                            photos, options.concurrency, options.seconds))
            report.loads.append(rest)
            show(rest)
            progress(f"prod: WeChat webhook, {options.wechat_concurrency} senders, "
                     f"{options.seconds} s …")
            wechat = asyncio.run(measure_wechat(
                "prod", stack.url, router, iter(customers[rest_count:rest_count + wechat_count]),
                photos, options.wechat_concurrency, options.seconds))
            report.loads.append(wechat)
            show(wechat)
            if options.soak_seconds > 0:
                pids = stack.pids()
                start = {name: rss_kb(pid) for name, pid in pids.items()}
                progress(f"prod: soak, REST x{options.concurrency} for "
                         f"{options.soak_seconds} s …")
                soak = asyncio.run(measure_rest(
                    "prod soak", stack.url, iter(customers[rest_count + wechat_count:]), photos,
                    options.concurrency, options.soak_seconds))
                report.loads.append(soak)
                show(soak)
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
    """Measures the leads' conversation list (``bot.bench.review_list``) on SQLite and,
    when reachable, on PostgreSQL: the p95 of every query."""
    targets = {"SQLite": None}
    try:
        from bot.prod.services import PROD_DEFAULTS, ensure_postgres_database

        pg = os.environ.get("BENCH_DATABASE_URL") or PROD_DEFAULTS["DATABASE_URL"]
        ensure_postgres_database(pg)  # reachable?
        targets["PostgreSQL"] = scratch_postgres(pg, "bot_bench_review")
    except Exception as error:  # noqa: BLE001 (the SQLite figure still stands)
        report.notes.append(f"review list on PostgreSQL not measured: {error}")
    for label, url in targets.items():
        progress(f"review: the leads' list at {options.review_count:,} conversations on "
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
        progress(f"  {label}: slowest p95 {max(figures.values()):.1f} ms over "
                 f"{len(figures)} queries")

