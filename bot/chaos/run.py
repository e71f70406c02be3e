"""``make chaos``: faults injected into the production profile under load, then checked.

One production profile (two Rasa replicas and two action servers behind nginx, a scratch
PostgreSQL database, a private Redis, RabbitMQ, a fake WeChat API) serves every scenario.
In each, REST and WeChat customers run return conversations (``bot.chaos.traffic``) for
``CHAOS_SECONDS``; ``FAULT_AT`` seconds in, the fault strikes; killed processes stay down
until the traffic ends and are started again afterwards. Then the inbox and outbox are
left to settle and ``bot.chaos.checks`` judges the scenario's customers: every
acknowledged message in the tracker once, no doubled case or refund, every reply
delivered, conversations finished after the fault. Prints a report; exit status 1 when a
check failed.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bot.bench.load import PhotoServer, client_session, return_journey, run_load
from bot.bench.processes import LOAD_ENV, fresh_dir
from bot.bench.scratch import delete_queue, scratch_postgres, seed
from bot.bench.seeding import BenchCustomer
from bot.bench.wechat_api import WECHAT, FakeApiRouter
from bot.chaos import faults
from bot.chaos.checks import Findings, check, settle
from bot.chaos.traffic import RetryingRest, RetryingWeChat, TrafficLog
from bot.ports import free_ports
from bot.prod.database import prepare_tracker_store
from bot.prod.services import PROD_DEFAULTS
from bot.prod.stack import ProdStack, prod_stack
from bot.prod.topology import ProdTopology
from bot.settings import load_settings

SECONDS = int(os.environ.get("CHAOS_SECONDS") or 45)
FAULT_AT = 10.0
REST_CUSTOMERS = 3
WECHAT_CUSTOMERS = 3
CUSTOMERS_PER_SCENARIO = 400


@dataclass
class Chaos:
    """The running profile and the handles the faults pull."""

    stack: ProdStack
    redis: faults.PrivateRedis
    router: FakeApiRouter
    database_url: str

    def kill(self, name: str) -> str:
        process = self.stack.by_name(name)
        pid = process.pid
        faults.kill(process)
        return f"SIGKILL to {name} (pid {pid})"

    def restart(self, name: str) -> None:
        faults.restart(self.stack.by_name(name))

    def restart_redis(self) -> str:
        self.redis.restart(down_seconds=1.0)
        return "Redis killed, down 1 s, started empty"

    def wechat_down(self) -> str:
        self.router.api.outage(30)
        return "WeChat API answering 503 for 30 s"

    def drop_database(self) -> str:
        first = faults.drop_connections(self.database_url)
        time.sleep(1.0)
        second = faults.drop_connections(self.database_url)
        return f"{first} + {second} PostgreSQL sessions terminated, 1 s apart"


@dataclass(frozen=True)
class Scenario:
    name: str
    inject: Callable[[Chaos], str]
    recover: Callable[[Chaos], None] | None = None


SCENARIOS = (
    Scenario("Rasa replica killed", lambda c: c.kill("rasa-1"), lambda c: c.restart("rasa-1")),
    Scenario("action server killed", lambda c: c.kill("actions-1"),
             lambda c: c.restart("actions-1")),
    Scenario("WeChat gateway killed", lambda c: c.kill("gateway-1"),
             lambda c: c.restart("gateway-1")),
    Scenario("Redis restarted", lambda c: c.restart_redis()),
    Scenario("WeChat API down 30 s", lambda c: c.wechat_down()),
    Scenario("database connections dropped", lambda c: c.drop_database()),
)


@dataclass
class Outcome:
    """One scenario: what was done, what the customers saw, what the checks found."""

    scenario: str
    fault: str = ""
    log: TrafficLog = field(default_factory=TrafficLog)
    findings: Findings = field(default_factory=Findings)
    started: int = 0
    completed: int = 0
    completed_after_fault: int = 0

    @property
    def problems(self) -> list[str]:
        found = list(self.findings.problems)
        if self.log.broken:
            found.append(f"conversations broken: {dict(self.log.broken)}")
        if not self.completed_after_fault:
            found.append("no conversation that started after the fault was finished")
        return found


class _Used:
    """Hands out customers and remembers which ones it handed out."""

    def __init__(self, customers: Iterator[BenchCustomer]) -> None:
        self._customers = customers
        self.used: list[BenchCustomer] = []

    def __iter__(self) -> "_Used":
        return self

    def __next__(self) -> BenchCustomer:
        customer = next(self._customers)
        self.used.append(customer)
        return customer


async def _traffic(chaos: Chaos, scenario: Scenario, outcome: Outcome,
                   rest: _Used, wechat: _Used, photos: Iterator[int]) -> None:
    log = outcome.log
    starts: list[float] = []
    finishes: list[float] = []

    async def journey(transport, who: BenchCustomer, n: int) -> None:
        starts.append(time.monotonic())
        await return_journey(transport, who, n)
        finishes.append(starts[-1])

    async def strike() -> float:
        await asyncio.sleep(FAULT_AT)
        at = time.monotonic()
        outcome.fault = await asyncio.to_thread(scenario.inject, chaos)
        return at

    server = PhotoServer()
    await server.start()
    try:
        async with client_session(REST_CUSTOMERS + WECHAT_CUSTOMERS) as session:
            over_rest = RetryingRest(session, chaos.stack.url, log, server.photo_url)
            over_wechat = RetryingWeChat(session, chaos.stack.url, WECHAT, chaos.router.api, log)
            chaos.router.target = over_wechat
            fault_at, *_ = await asyncio.gather(
                strike(),
                run_load(over_rest, journey, rest, concurrency=REST_CUSTOMERS,
                         duration=SECONDS, recorders=[], photos=photos),
                run_load(over_wechat, journey, wechat, concurrency=WECHAT_CUSTOMERS,
                         duration=SECONDS, recorders=[], photos=photos))
            chaos.router.target = None
    finally:
        await server.close()
    outcome.started = len(starts)
    outcome.completed = len(finishes)
    outcome.completed_after_fault = sum(start >= fault_at for start in finishes)


def run_scenario(chaos: Chaos, scenario: Scenario, customers: list[BenchCustomer],
                 photos: Iterator[int]) -> Outcome:
    """Runs one scenario on ``customers`` (fresh ones, half over each channel)."""
    from bot.db.session import create_db_engine

    outcome = Outcome(scenario.name)
    half = len(customers) // 2
    rest, wechat = _Used(iter(customers[:half])), _Used(iter(customers[half:]))
    asyncio.run(_traffic(chaos, scenario, outcome, rest, wechat, photos))
    if scenario.recover is not None:
        scenario.recover(chaos)
    engine = create_db_engine(chaos.database_url)
    try:
        settled_in = settle(engine)
        outcome.findings = check(engine, outcome.log.sent, rest.used + wechat.used)
        outcome.findings.settled_in = settled_in
    finally:
        engine.dispose()
    return outcome


def run(names: list[str] | None = None, progress: Callable[[str], None] = print, *,
        services: dict[str, str] | None = None, database: str = "bot_chaos") -> list[Outcome]:
    """Starts the profile on a scratch database and runs the scenarios.

    Args:
        names: Run the scenarios whose names contain one of these (all by default).
        progress: Where progress lines and each scenario's figures go.
        services: ``DATABASE_URL`` (its server gets the scratch database) and
            ``EVENT_BROKER_URL``; the environment's, else the production defaults.
        database: The scratch database's name (dropped and created again).
    """
    from bot.training import ensure_model

    chosen = [s for s in SCENARIOS
              if not names or any(n.lower() in s.name.lower() for n in names)]
    workdir = fresh_dir("chaos")
    base = {**PROD_DEFAULTS, **{k: v for k, v in os.environ.items()
                                if k in ("DATABASE_URL", "EVENT_BROKER_URL") and v},
            **(services or {})}
    progress(f"chaos: scratch PostgreSQL database {database}, seeding …")
    url = scratch_postgres(base["DATABASE_URL"], database)
    customers = seed(url, CUSTOMERS_PER_SCENARIO * len(chosen))
    prepare_tracker_store(url)
    model = ensure_model()
    redis = faults.PrivateRedis(workdir / "logs" / "redis.log")
    router = FakeApiRouter()
    queue = f"chaos.review_index.{secrets.token_hex(3)}"
    env = {**base, **LOAD_ENV, **router.env(), "DATABASE_URL": url, "TRACKER_STORE_URL": url,
           "REDIS_URL": redis.url, "EVENT_BROKER_QUEUE": queue,
           "DATA_DIR": str(workdir / "data"), "RASA_API_TOKEN": secrets.token_hex(16)}
    settings = load_settings({**os.environ, **env})
    ports = free_ports(7)
    topology = ProdTopology(ports[0], ports[1], tuple(ports[2:4]), tuple(ports[4:6]),
                            (ports[6],))
    outcomes = []
    progress("chaos: starting 2 action servers, 2 Rasa replicas and nginx …")
    try:
        with prod_stack(settings, topology, run_dir=workdir, model=model, extra_env=env,
                        console_secret=secrets.token_urlsafe(32)) as stack:
            chaos = Chaos(stack, redis, router, url)
            photos = itertools.count()
            for n, scenario in enumerate(chosen):
                progress(f"chaos: {scenario.name} — {SECONDS} s of traffic, the fault at "
                         f"{FAULT_AT:.0f} s …")
                group = customers[n * CUSTOMERS_PER_SCENARIO:(n + 1) * CUSTOMERS_PER_SCENARIO]
                outcome = run_scenario(chaos, scenario, group, photos)
                progress(describe(outcome))
                outcomes.append(outcome)
    finally:
        router.close()
        redis.stop()
        delete_queue(env["EVENT_BROKER_URL"], queue)
    return outcomes


def describe(outcome: Outcome) -> str:
    """One scenario's figures, for people."""
    f, log = outcome.findings, outcome.log
    verdict = "PASS" if not outcome.problems else "FAIL: " + "; ".join(outcome.problems)
    resent = ", ".join(f"{why} ×{n}" for why, n in log.failures.most_common()) or "none"
    return "\n".join([
        f"== {outcome.scenario}: {verdict}",
        f"   fault: {outcome.fault}",
        f"   messages acknowledged {f.acknowledged}, in the tracker {f.in_tracker}, "
        f"lost {len(f.lost)}, doubled {len(f.doubled)}; sent again by clients "
        f"{log.resends()} ({resent})",
        f"   conversations started {outcome.started}, finished {outcome.completed} "
        f"({outcome.completed_after_fault} of them started after the fault), broken "
        f"{sum(log.broken.values())}{' ' + str(dict(log.broken)) if log.broken else ''}",
        f"   cases {f.cases} (customers with two: {f.customers_with_two_cases}), refunds "
        f"{f.refunds} (cases with two: {f.cases_with_two_refunds})",
        f"   WeChat replies delivered {f.replies_delivered}, unsent {f.replies_unsent}, given "
        f"up {f.replies_undeliverable}; inbox handled on a later attempt {f.inbox_retried}, "
        f"open {f.inbox_open}, given up {f.inbox_failed}; settled {f.settled_in:.0f} s "
        f"after the traffic",
    ])


def main() -> int:
    outcomes = run(sys.argv[1:] or None)
    failed = [o.scenario for o in outcomes if o.problems]
    print(f"chaos: {len(outcomes) - len(failed)} of {len(outcomes)} scenarios passed"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
