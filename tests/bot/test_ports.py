"""Ports for the servers the bench, the evaluation and the tests start."""
from __future__ import annotations

import socket

from bot.ports import _ephemeral_start, free_port, free_ports


def test_ports_are_outside_the_range_outgoing_connections_use():
    """A health check's connection cannot take the port before the server binds it."""
    ports = free_ports(20)
    assert len(set(ports)) == 20
    assert all(1024 <= port < _ephemeral_start() for port in ports)
    with socket.create_server(("127.0.0.1", 0)) as server:
        with socket.create_connection(server.getsockname()[:2]) as client:
            assert client.getsockname()[1] >= _ephemeral_start()


def test_a_port_is_bindable_and_not_handed_out_twice():
    port = free_port()
    with socket.create_server(("0.0.0.0", port)):
        pass
    assert port not in free_ports(50)
