"""Free TCP ports for the servers a bench run, an evaluation or a test starts.

A port the kernel hands out for ``bind(("127.0.0.1", 0))`` comes from the ephemeral
range, the same range outgoing connections take their local ports from: between choosing
it and a server binding it (Rasa takes 20 s to load its model), a health check's
connection can take it, and the server then fails with "address already in use". These
ports are chosen below that range, where only a server binding on purpose takes one.
"""
from __future__ import annotations

import random
import socket
from pathlib import Path

LOWEST = 20000
_taken: set[int] = set()


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    for host in ("127.0.0.1", "0.0.0.0"):
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                return False
    return True


def free_ports(count: int) -> list[int]:
    """``count`` different ports nothing listens on, outside the ephemeral range, none
    handed out before by this process."""
    top = _ephemeral_start()
    low = LOWEST if top - LOWEST >= 1000 else 1024
    ports: list[int] = []
    for _ in range(100 * count):
        port = random.randrange(low, top)
        if port not in _taken and _bindable(port):
            _taken.add(port)
            ports.append(port)
            if len(ports) == count:
                return ports
    raise RuntimeError(f"no {count} free ports between {low} and {top}")


def free_port() -> int:
    """One port as ``free_ports`` chooses them."""
    return free_ports(1)[0]
