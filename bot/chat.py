"""``make shell``: chat with the running assistant over its REST channel.

The REST channel answers only the message it was sent, so what arrives later — an
agent's reply after a handoff, the bot's word when nobody has claimed it, the
satisfaction question — is read from the conversation's tracker every few seconds
(Rasa's API, with the token ``make run`` leaves in ``var/run/api-token``).
"""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.settings import Settings, get_settings

POLL_SECONDS = 2.0


def send(url: str, sender: str, text: str, timeout: float = 30) -> list[dict]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode())


def render(message: dict) -> str:
    lines = [message.get("text") or ""]
    if message.get("image"):
        lines.append(f"[图片] {message['image']}")
    for button in message.get("buttons") or []:
        lines.append(f"  [{button.get('payload')}] {button.get('title')}")
    return "\n".join(line for line in lines if line)


def token_file(settings: Settings) -> Path:
    """Where ``make run`` leaves the Rasa API token for this terminal client."""
    return settings.data_dir / "run" / "api-token"


def _api_token(settings: Settings) -> str | None:
    if settings.rasa_api_token:
        return settings.rasa_api_token
    path = token_file(settings)
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


class LaterMessages:
    """Prints bot messages that reach the conversation outside a reply (agents, notices)."""

    def __init__(self, base_url: str, sender: str, token: str | None) -> None:
        query = urllib.parse.urlencode({"token": token} if token else {})
        self._url = (f"{base_url}/conversations/{urllib.parse.quote(sender, safe='')}"
                     f"/tracker?{query}")
        self._seen = -1
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def _bot_events(self) -> list[dict] | None:
        try:
            with urllib.request.urlopen(self._url, timeout=10) as response:
                events = json.loads(response.read().decode()).get("events") or []
        except (urllib.error.URLError, OSError, ValueError):
            return None
        return [e for e in events if e.get("event") == "bot"]

    def _catch_up(self) -> None:
        events = self._bot_events()
        if events is not None:
            self._seen = len(events)

    @contextmanager
    def replying(self) -> Iterator[None]:
        """Around a REST exchange: its reply is printed by the caller, not again here."""
        with self._lock:
            yield
            self._catch_up()

    def _poll(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            with self._lock:
                events = self._bot_events()
                if events is None or self._seen < 0:
                    continue
                for event in events[self._seen:]:
                    agent = (event.get("metadata") or {}).get("agent")
                    message = {"text": event.get("text"), **(event.get("data") or {})}
                    print(f"\n{agent or '助手'}：{render(message)}\n您：", end="", flush=True)
                self._seen = len(events)

    def start(self) -> None:
        with self.replying():
            pass
        threading.Thread(target=self._poll, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()


def chat(sender: str) -> int:
    """Reads lines from the terminal and prints the assistant's replies."""
    settings = get_settings()
    base_url = f"http://localhost:{settings.rasa_port}"
    url = f"{base_url}/webhooks/rest/webhook"
    later = LaterMessages(base_url, sender, _api_token(settings))
    later.start()
    print(f"以 {sender} 的身份聊天（发图片：粘贴图片网址）。Ctrl-D 退出。")
    try:
        while True:
            try:
                text = input("您：")
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            with later.replying():
                try:
                    replies = send(url, sender, text)
                except (urllib.error.URLError, OSError) as error:
                    print(f"连不上助手（{error}）。先运行 `make run`。")
                    continue
                for reply in replies:
                    print("助手：" + render(reply))
    finally:
        later.stop()
