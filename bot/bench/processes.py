"""The servers a bench run starts: their environment, ports, work directories under
``var/bench/``, waiting for them to come up, their memory, stopping them."""
from __future__ import annotations

import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from bot.settings import ROOT

BENCH_DIR = ROOT / "var" / "bench"
STARTUP_SECONDS = 300
#: Every simulated customer comes from 127.0.0.1: the per-address limit must not refuse
#: them (the per-sender limit stays as configured: one customer sends six messages).
LOAD_ENV = {"RATE_LIMIT_IP_PER_MINUTE": "10000000", "RATE_LIMIT_IP_BURST": "1000000",
            "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TELEMETRY_ENABLED": "false"}


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


def wait_http(url: str, processes: Sequence[subprocess.Popen], log: Path, *,
              seconds: float = STARTUP_SECONDS, log_tail: int = 0) -> None:
    """Waits until ``url`` answers, at most ``seconds``.

    ``url`` answers once a request to it succeeds; no connection, a timeout or an HTTP
    error status count as not up yet.

    Args:
        url: A URL the started server answers once it is up.
        processes: The processes started; none may exit meanwhile.
        log: The log the error points to.
        seconds: How long to wait at most.
        log_tail: How many characters of the end of ``log`` the error shows (none if 0).

    Raises:
        RuntimeError: A process exited, or ``url`` did not answer in time.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError(f"{url}: a server exited while starting; see {log}"
                               f"{_tail(log, log_tail)}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {seconds:g}s; see {log}{_tail(log, log_tail)}")


def _tail(log: Path, chars: int) -> str:
    """The last ``chars`` characters of ``log`` on lines of their own (nothing if 0)."""
    return f":\n{log.read_text()[-chars:]}" if chars else ""


def stop(processes: list[subprocess.Popen]) -> None:
    """Terminates ``processes``; kills any still running 20 seconds later."""
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
    """An empty work directory ``var/bench/<name>/`` with its ``logs/``."""
    path = BENCH_DIR / name
    shutil.rmtree(path, ignore_errors=True)
    (path / "logs").mkdir(parents=True)
    return path
