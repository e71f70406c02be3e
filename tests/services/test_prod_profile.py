"""The production profile as ``make run-prod`` starts it (``bot.prod.stack.prod_stack``):
two Rasa replicas and two action servers behind nginx, on PostgreSQL, Redis's lock store
and RabbitMQ, on free loopback ports."""
from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from bot.db.base import utcnow
from bot.db.migrate import upgrade
from bot.db.session import create_db_engine
from bot.ports import free_ports
from bot.prod.database import prepare_tracker_store
from bot.prod.stack import ProdStack, prod_stack
from bot.prod.topology import ProdTopology
from bot.seed import seed_demo
from bot.settings import ROOT, load_settings

pytestmark = pytest.mark.services


@dataclass
class Running:
    stack: ProdStack
    redis_url: str
    queue: str

    def say(self, base_url: str, sender: str, text: str) -> list[str]:
        request = urllib.request.Request(
            f"{base_url}/webhooks/rest/webhook",
            json.dumps({"sender": sender, "message": text}).encode(),
            {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return [m.get("text", "") for m in json.loads(response.read())]

    def tracker(self, sender: str) -> list[dict]:
        url = f"{self.stack.url}/conversations/{sender}/tracker?token={self.stack.token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())["events"]


@pytest.fixture(scope="module")
def prod(module_postgres_url, redis_url, rabbitmq_url, tmp_path_factory) -> Iterator[Running]:
    workdir = tmp_path_factory.mktemp("prod")
    queue = f"test.review_index.{secrets.token_hex(4)}"
    url = module_postgres_url
    upgrade(url)
    engine = create_db_engine(url)
    from sqlalchemy.orm import Session

    with Session(engine, future=True) as session, session.begin():
        seed_demo(session, utcnow())
    engine.dispose()
    prepare_tracker_store(url)
    env = {"DATABASE_URL": url, "REDIS_URL": redis_url, "EVENT_BROKER_URL": rabbitmq_url,
           "EVENT_BROKER_QUEUE": queue, "DATA_DIR": str(workdir / "data"),
           "RASA_API_TOKEN": secrets.token_hex(16)}
    settings = load_settings({**os.environ, **env})
    ports = free_ports(7)
    topology = ProdTopology(ports[0], ports[1], tuple(ports[2:4]), tuple(ports[4:6]),
                            (ports[6],))
    with prod_stack(settings, topology, run_dir=workdir / "run", extra_env=env,
                    console_secret=secrets.token_urlsafe(32)) as stack:
        yield Running(stack, redis_url, queue)
    import asyncio

    import aio_pika

    async def delete_queue() -> None:
        connection = await aio_pika.connect(rabbitmq_url)
        await (await connection.channel()).queue_delete(queue)
        await connection.close()

    asyncio.run(delete_queue())


class LockWatch:
    """Redis's MONITOR: which connections set which conversation locks."""

    def __init__(self, url: str) -> None:
        self.sets: list[tuple[str, str]] = []
        self._client = redis.Redis.from_url(url)
        self._monitor = self._client.monitor()
        self._monitor.__enter__()
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for command in self._monitor.listen():
            if self._stop:
                return
            words = command["command"].split(" ")
            if words[0].upper() == "SET" and words[1].startswith("aftersales:lock:"):
                self.sets.append((words[1], command.get("client_address", "")
                                  + ":" + str(command.get("client_port", ""))))

    def close(self) -> None:
        self._stop = True
        self._client.ping()  # the monitor sees it and the thread ends
        self._thread.join(timeout=5)


def _turns(events: list[dict]) -> list[tuple[str, list[str], str | None]]:
    """Each user message with the bot's texts after it and the last action before the next."""
    turns: list[tuple[str, list[str], str | None]] = []
    for event in events:
        if event["event"] == "user":
            turns.append((event.get("text") or "", [], None))
        elif turns and event["event"] == "bot":
            turns[-1][1].append(event.get("text") or "")
        elif turns and event["event"] == "action":
            turns[-1] = (turns[-1][0], turns[-1][1], event.get("name"))
    return turns


@pytest.mark.parametrize("sender, first, second", [
    ("demo-3", "我的菜到了吗", "水果能退吗"),
    ("demo-4", "你好", "我的菜到了吗"),
    ("demo-2", "水果能退吗", "你好"),
])
def test_two_replicas_serve_one_conversation_one_message_at_a_time(prod, sender, first,
                                                                   second):
    watch = LockWatch(prod.redis_url)
    replies: dict[str, list[str]] = {}
    start = threading.Barrier(2)

    def send(replica: int, text: str) -> None:
        start.wait()
        replies[text] = prod.say(prod.stack.replica_url(replica), sender, text)

    threads = [threading.Thread(target=send, args=(0, first)),
               threading.Thread(target=send, args=(1, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    watch.close()

    assert replies[first] and replies[second], replies
    turns = _turns(prod.tracker(sender))
    assert sorted(text for text, _, _ in turns) == sorted([first, second]), turns
    for text, bot_texts, last_action in turns:
        # Each message was answered and its turn finished before the other began.
        assert bot_texts and last_action == "action_listen", turns
        assert bot_texts == replies[text], (text, bot_texts, replies[text])
    lockers = {client for key, client in watch.sets if key == f"aftersales:lock:{sender}"}
    assert len(lockers) == 2, f"both replicas lock the conversation in Redis: {watch.sets}"


def _sign_in(base: str) -> str:
    request = urllib.request.Request(
        f"{base}/console/login",
        json.dumps({"username": "agent1", "password": "demo-agent-pass"}).encode(),
        {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        cookie = response.headers["Set-Cookie"]
    return cookie.split(";", 1)[0]


def test_nginx_streams_the_desk_events_as_they_come(prod):
    cookie = _sign_in(prod.stack.url)
    connection = http.client.HTTPConnection("127.0.0.1", prod.stack.topology.rasa_port,
                                            timeout=10)
    started = time.monotonic()
    connection.request("GET", "/console/api/events", headers={"Cookie": cookie,
                                                               "Accept": "text/event-stream"})
    response = connection.getresponse()
    lines = []
    while not any(line.startswith(b"event:") for line in lines) and len(lines) < 20:
        lines.append(response.readline())  # chunked transfer decoded by http.client
    waited = time.monotonic() - started
    connection.close()

    assert response.status == 200
    assert response.getheader("Content-Type", "").startswith("text/event-stream")
    assert b"event: queue\n" in lines, lines  # the desk's first event, sent at once
    assert waited < 5, "the stream's first event passed nginx at once, not buffered"


def test_nginx_spreads_messages_over_both_replicas_and_reaches_the_action_servers(prod):
    for n in range(8):
        assert prod.say(prod.stack.url, f"spread-{n}", "你好")
    with urllib.request.urlopen(f"http://127.0.0.1:{prod.stack.topology.actions_port}/health",
                                timeout=10) as response:
        assert json.loads(response.read())["status"] == "ok"
    log = prod.stack.run_dir / "nginx" / "logs" / "access.log"
    deadline = time.monotonic() + 10
    upstreams: set[str] = set()
    while time.monotonic() < deadline and len(upstreams) < 2:
        time.sleep(0.5)
        text = log.read_text() if log.exists() else ""
        upstreams = set(re.findall(r'"POST /webhooks/rest/webhook [^"]*" 200 \d+ \S+ '
                                   r'(127\.0\.0\.1:\d+)', text))
    assert upstreams == {f"127.0.0.1:{p}" for p in prod.stack.topology.rasa_ports}


def test_one_replica_reads_the_conversation_events_the_other_stands_by(prod, rabbitmq_url):
    import asyncio

    import aio_pika

    async def queue_state() -> tuple[int, int]:
        connection = await aio_pika.connect(rabbitmq_url)
        channel = await connection.channel()
        queue = await channel.declare_queue(prod.queue, passive=True)
        result = queue.declaration_result
        await connection.close()
        return result.consumer_count, result.message_count

    prod.say(prod.stack.url, "demo-1", "你好")
    deadline = time.monotonic() + 15
    while True:
        consumers, waiting = asyncio.run(queue_state())
        if (consumers, waiting) == (1, 0) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert (consumers, waiting) == (1, 0), "one exclusive reader, and it keeps up"


@pytest.mark.parametrize("setting, value, says", [
    ("REDIS_URL", "redis://127.0.0.1:1/0", "Redis is not reachable"),
    ("EVENT_BROKER_URL", "amqp://guest:guest@127.0.0.1:1/", "RabbitMQ is not reachable"),
    ("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/bot_prod", "PostgreSQL is not reachable"),
])
def test_run_prod_says_which_service_is_missing(tmp_path, setting, value, says):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATA_DIR": str(tmp_path), setting: value}
    result = subprocess.run([sys.executable, "-m", "bot.launcher", "prod"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)

    assert result.returncode == 2
    assert says in result.stderr and "make run-prod" in result.stderr, result.stderr


def test_run_prod_refuses_sqlite(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATA_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = subprocess.run([sys.executable, "-m", "bot.launcher", "prod"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)

    assert result.returncode == 2 and "PostgreSQL" in result.stderr, result.stderr
    assert not Path(tmp_path / "x.db").exists()
