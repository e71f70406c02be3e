"""deploy/ (Compose, Kubernetes) describes what ``make run-prod`` starts: the same
services, the same number of replicas, the same settings names, the same nginx; and the
endpoints file the launcher writes gives Rasa the Redis lock store and the RabbitMQ
broker in Rasa 3.6's own terms."""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.prod.environment import PRODUCT_ENV, PROXIED_ENV
from bot.prod.nginx import deploy_nginx_config, local_nginx_config
from bot.prod.rasa_config import endpoints_config
from bot.prod.stack import prod_processes
from bot.prod.topology import ProdTopology
from bot.settings import ROOT, load_settings

pytestmark = pytest.mark.services

DEPLOY = ROOT / "deploy"
SERVICES = {"postgres", "redis", "rabbitmq"}


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _k8s() -> list[dict]:
    return [doc for path in sorted((DEPLOY / "k8s").glob("*.yaml"))
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


@pytest.fixture
def launched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """Per kind of process, the names of what the launcher adds to the environment it
    was started from (scrubbed of the settings it sets)."""
    for name in (*PRODUCT_ENV, *PROXIED_ENV, "SANIC_HOST"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings({"DATABASE_URL": "postgresql://u@h/db",
                              "REDIS_URL": "redis://127.0.0.1:6379/1",
                              "EVENT_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/"})
    processes = prod_processes(settings, ProdTopology.from_settings(settings), token="t",
                               console_secret="s", model=Path("m.tar.gz"), run_dir=tmp_path)
    names: dict[str, set[str]] = {}
    for process in processes:
        added = {k for k, v in process.env.items() if os.environ.get(k) != v} - {"PYTHONPATH"}
        names.setdefault(process.name.split("-")[0], set()).update(added)
    assert names["nginx"] == set()
    return names


def test_compose_runs_the_services_and_replicas_run_prod_starts(tmp_path):
    services = set(_compose()["services"])
    settings = load_settings({})
    launched = [p.name for p in prod_processes(
        settings, ProdTopology.from_settings(settings), token="t", console_secret="s",
        model=Path("m.tar.gz"), run_dir=tmp_path)]

    assert services == SERVICES | {"migrate"} | set(launched)
    assert launched == ["actions-1", "actions-2", "rasa-1", "rasa-2", "gateway-1", "nginx"]


def test_compose_gives_each_process_the_settings_the_launcher_gives(launched):
    compose = _compose()["services"]

    for name, service in compose.items():
        kind = name.split("-")[0]
        if kind in ("rasa", "actions", "gateway"):
            # SANIC_HOST only binds the local action servers to loopback.
            assert set(service["environment"]) == launched[kind] - {"SANIC_HOST"}, name
    assert set(compose["migrate"]["environment"]) == set(PRODUCT_ENV)
    assert compose["rasa-1"]["environment"]["SANIC_PROXIES_COUNT"] == "1"


def test_compose_nginx_config_is_the_launchers_for_the_compose_names():
    compose = _compose()["services"]
    mounted = compose["nginx"]["volumes"][0].split(":")[0]

    assert (DEPLOY / mounted).read_text(encoding="utf-8") == deploy_nginx_config("compose")
    assert compose["nginx"]["ports"] == ["5005:5005"]


def test_kubernetes_runs_two_rasa_replicas_and_two_action_servers_behind_nginx(tmp_path):
    docs = _k8s()
    workloads = {d["metadata"]["name"]: d for d in docs
                 if d["kind"] in ("Deployment", "StatefulSet")}
    settings = load_settings({})

    assert set(workloads) == SERVICES | {"rasa", "actions", "gateway", "nginx"}
    assert workloads["rasa"]["spec"]["replicas"] == settings.rasa_replicas
    assert workloads["actions"]["spec"]["replicas"] == settings.action_servers
    assert workloads["gateway"]["spec"]["replicas"] == settings.wechat_gateways
    [nginx_conf] = [d for d in docs if d["kind"] == "ConfigMap"
                    and d["metadata"]["name"] == "aftersales-nginx"]
    assert nginx_conf["data"]["nginx.conf"] == deploy_nginx_config("k8s")
    [headless] = [d for d in docs if d["kind"] == "Service" and d["metadata"]["name"] == "rasa"]
    assert headless["spec"]["clusterIP"] == "None"
    assert any(d["kind"] == "Job" for d in docs)


def test_kubernetes_pods_get_the_settings_the_launcher_gives(launched):
    docs = _k8s()
    maps = {(d["kind"], d["metadata"]["name"]): set(d.get("data") or d.get("stringData") or {})
            for d in docs if d["kind"] in ("ConfigMap", "Secret")}

    def names(workload: dict) -> set[str]:
        [container] = workload["spec"]["template"]["spec"]["containers"]
        found = {e["name"] for e in container.get("env") or []}
        for source in container.get("envFrom") or []:
            if "configMapRef" in source:
                found |= maps[("ConfigMap", source["configMapRef"]["name"])]
            if "secretRef" in source:
                found |= maps[("Secret", source["secretRef"]["name"])]
        return found

    workloads = {d["metadata"]["name"]: d for d in docs
                 if d["kind"] in ("Deployment", "StatefulSet", "Job")}
    assert names(workloads["rasa"]) == launched["rasa"]
    assert names(workloads["actions"]) == launched["actions"] - {"SANIC_HOST"}
    assert names(workloads["gateway"]) == launched["gateway"]
    assert names(workloads["aftersales-migrate"]) == set(PRODUCT_ENV)


def test_the_endpoints_file_configures_rasas_redis_lock_store_and_pika_broker():
    plain = endpoints_config(load_settings({}))
    prod = endpoints_config(load_settings({
        "REDIS_URL": "redis://:s%40cret@10.0.0.5:6380/3",
        "EVENT_BROKER_URL": "amqp://bot:p%2Fw@mq.local:5673/aftersales",
        "EVENT_BROKER_QUEUE": "q1"}))

    assert "lock_store" not in plain and "event_broker" not in plain  # make run unchanged
    assert prod["lock_store"] == {"type": "bot.lock_store.AtomicRedisLockStore",
                                  "url": "10.0.0.5", "port": 6380, "db": 3,
                                  "key_prefix": "aftersales", "password": "s@cret"}
    assert prod["event_broker"] == {"type": "pika", "url": "amqp://mq.local:5673/aftersales",
                                    "port": 5673, "username": "bot", "password": "p/w",
                                    "queues": ["q1"]}


def test_rasa_builds_its_lock_store_and_broker_from_that_file(tmp_path):
    from rasa.core.brokers.pika import PikaEventBroker
    from rasa.core.lock_store import LockStore, RedisLockStore
    from rasa.utils.endpoints import read_endpoint_config

    from bot.lock_store import AtomicRedisLockStore

    settings = load_settings({"REDIS_URL": "redis://127.0.0.1:6379/2",
                              "EVENT_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/"})
    path = tmp_path / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints_config(settings)), encoding="utf-8")

    lock_store = LockStore.create(read_endpoint_config(str(path), "lock_store"))
    broker_config = read_endpoint_config(str(path), "event_broker")
    # Rasa's server builds the broker inside its running loop; here it gets its own one
    # (whether a loop is "current" in this thread depends on the tests that ran before).
    loop = asyncio.new_event_loop()
    try:
        broker = PikaEventBroker(broker_config.url, event_loop=loop, **broker_config.kwargs)
    finally:
        loop.close()

    assert isinstance(lock_store, AtomicRedisLockStore)
    assert isinstance(lock_store, RedisLockStore)
    assert lock_store.key_prefix == "aftersales:lock:"
    assert lock_store.red.connection_pool.connection_kwargs["db"] == 2
    assert broker.host == "127.0.0.1" and broker.queues == ["aftersales.review_index"]


def test_nginx_accepts_the_config_run_prod_writes(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is missing: make setup installs it"
    (tmp_path / "tmp").mkdir()
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(local_nginx_config(
        ProdTopology(15005, 15055, (15006, 15007), (15056, 15057))), encoding="utf-8")

    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", "nginx.conf",
                             "-e", "stderr"], capture_output=True, text=True, timeout=30)

    assert result.returncode == 0, result.stderr
    config = (tmp_path / "nginx.conf").read_text()
    stream = config.split("location = /console/api/events", 1)[1].split("}", 1)[0]
    assert "proxy_buffering off" in stream
