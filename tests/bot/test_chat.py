"""`make shell` shows what an agent writes after a handoff, without repeating replies."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot import chat


class _Tracker:
    def __init__(self) -> None:
        self.events: list[dict] = []
        self.queries: list[str] = []


@pytest.fixture
def rasa():
    state = _Tracker()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            state.queries.append(self.path)
            body = json.dumps({"events": state.events}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _wait_for(predicate, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_an_agent_reply_is_printed_and_old_messages_are_not(rasa, capsys, monkeypatch):
    state, url = rasa
    monkeypatch.setattr(chat, "POLL_SECONDS", 0.1)
    state.events = [{"event": "bot", "text": "您好呀～"}]
    later = chat.LaterMessages(url, "demo-1", "s3cret")
    later.start()
    printed: list[str] = []
    try:
        state.events.append({"event": "user", "text": "转人工"})
        state.events.append({"event": "bot", "text": "我是客服小李，马上处理",
                             "metadata": {"agent": "客服小李"}})
        _wait_for(lambda: printed.append(capsys.readouterr().out) or "马上处理" in "".join(printed))
    finally:
        later.stop()
    output = "".join(printed)
    assert "客服小李：我是客服小李，马上处理" in output and "您好呀" not in output
    assert "token=s3cret" in state.queries[0]


def test_replies_printed_by_the_rest_exchange_are_not_printed_again(rasa, capsys, monkeypatch):
    state, url = rasa
    monkeypatch.setattr(chat, "POLL_SECONDS", 0.1)
    later = chat.LaterMessages(url, "demo-1", None)
    later.start()
    try:
        with later.replying():
            state.events.append({"event": "bot", "text": "请问是哪一件商品？"})
        time.sleep(0.4)
    finally:
        later.stop()
    assert "哪一件商品" not in capsys.readouterr().out
