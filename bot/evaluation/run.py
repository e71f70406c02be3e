"""Runs the evaluation against the real ``/model/parse`` and prints the figures."""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from bot.evaluation import datasets, report
from bot.ports import free_port
from bot.settings import ROOT
from bot.training import ensure_model

WARMUP = 20
STARTUP_SECONDS = 240


@dataclass(frozen=True)
class Parsed:
    intent: str
    anger_score: float
    is_angry: bool
    millis: float


class ParseClient:
    """Keeps one connection to the Rasa server and times each parse."""

    def __init__(self, port: int) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def parse(self, text: str) -> Parsed:
        body = json.dumps({"text": text})
        started = time.perf_counter()
        self._connection.request("POST", "/model/parse", body, {"Content-Type": "application/json"})
        data = json.loads(self._connection.getresponse().read())
        millis = (time.perf_counter() - started) * 1000
        anger = data["anger"]
        return Parsed(data["intent"]["name"], anger["score"], anger["is_angry"], millis)


def _start_server(model, port: int, workdir: str) -> subprocess.Popen:
    endpoints = os.path.join(workdir, "endpoints.yml")
    open(endpoints, "w").close()  # parsing needs no actions and no tracker store
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(
        [sys.executable, "-m", "rasa", "run", "--enable-api", "--model", str(model),
         "--endpoints", endpoints, "--port", str(port), "--interface", "127.0.0.1"],
        cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _wait(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the Rasa server exited while starting")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/status")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the Rasa server did not start")


def main() -> int:
    model = ensure_model()
    seen = datasets.training_texts()
    intents, intents_dropped = datasets.heldout_intents(seen)
    anger, anger_dropped = datasets.heldout_anger(seen)
    smp = datasets.smp2020()
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        server = _start_server(model, port, workdir)
        try:
            _wait(port, server)
            client = ParseClient(port)
            for _ in range(WARMUP):
                client.parse("草莓烂了，能退吗")
            parsed_intents = [client.parse(e.text) for e in intents]
            parsed_anger = [client.parse(e.text) for e in anger]
            parsed_smp = [client.parse(e.text) for e in smp] if smp is not None else None
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(report.render(
        model=model.relative_to(ROOT), intents=intents, parsed_intents=parsed_intents,
        intents_dropped=intents_dropped, anger=anger, parsed_anger=parsed_anger,
        anger_dropped=anger_dropped, smp=smp, parsed_smp=parsed_smp,
    ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
