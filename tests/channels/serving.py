"""Input channels on a real Sanic server on loopback, mounted as ``rasa run`` mounts them,
with a stand-in for Rasa's agent that records the messages it is handed."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace

from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic

from tests.servers import served_app


class RecordingAgent:
    """Stands in for Rasa's agent: records each message and answers ``收到：<text>``."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"收到：{message.text}")

    @property
    def texts(self) -> list[str]:
        return [message.text for message in self.messages]


@asynccontextmanager
async def served(*channels: InputChannel) -> AsyncIterator[SimpleNamespace]:
    """Runs ``channels`` on a real server; yields ``url`` and the recording ``agent``."""
    Sanic.test_mode = True  # several apps in one process, as sanic-testing does
    app = Sanic(f"channels_test_{uuid.uuid4().hex}", configure_logging=False)
    agent = RecordingAgent()
    app.ctx.agent = agent
    register(list(channels), app, "/webhooks/")
    async with served_app(app) as url:
        yield SimpleNamespace(url=url, agent=agent, app=app)


async def declared_post(url: str, path: str, declared_bytes: int,
                        headers: dict[str, str] | None = None) -> tuple[int, str]:
    """POSTs headers announcing a ``declared_bytes`` body and sends only its first bytes,
    as a client streaming a huge upload would; returns the status and body of the answer
    (which must come before the body, since the rest never does)."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {declared_bytes}",
             *(f"{name}: {value}" for name, value in (headers or {}).items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + b"{" + b" " * 1023)
    await writer.drain()
    try:
        raw = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")
