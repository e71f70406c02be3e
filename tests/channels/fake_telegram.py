"""A fake Telegram Bot API on loopback, and updates built with python-telegram-bot's types.

The server answers the methods the Telegram channel calls (``getMe``, ``sendMessage``,
``sendPhoto``, ``getFile``, ``answerCallbackQuery``) and file downloads under
``/file/bot<token>/<path>``, records every call (an uploaded file as its bytes), and can
be told to fail: HTTP 500 once, 429 with ``retry_after``, or 403 for a chat that blocked
the bot.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from telegram import (
    CallbackQuery,
    Chat,
    Document,
    Location,
    Message,
    MessageEntity,
    PhotoSize,
    Update,
    User,
)

TOKEN = "123456:TEST-token"
SECRET = "s3cret-token_value"  # a webhook secret token for tests
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "售后助手", "username": "shouhou_bot"}


@dataclass
class Call:
    """One Bot API call as the fake received it."""

    method: str
    params: dict[str, Any]


@dataclass
class _Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None = None


@dataclass
class FakeTelegram:
    """State of the fake Bot API; the HTTP server reads and writes it under ``lock``."""

    calls: list[Call] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    failures: dict[str, list[_Failure]] = field(default_factory=dict)
    blocked_chats: set[int] = field(default_factory=set)
    lock: threading.Condition = field(default_factory=threading.Condition)
    base_url: str = ""

    # -- programming the fake -------------------------------------------------------------

    def add_file(self, file_id: str, data: bytes, extension: str = "jpg") -> None:
        """Makes ``file_id`` known to ``getFile`` and downloadable."""
        with self.lock:
            self.files[file_id] = (f"photos/{file_id}.{extension}", data)

    def fail_next(self, method: str, status: int = 500, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer with HTTP ``status``."""
        with self.lock:
            self.failures.setdefault(method, []).extend(
                _Failure(status, f"Internal Server Error ({status})") for _ in range(times))

    def rate_limit_next(self, method: str, retry_after: int) -> None:
        """The next call of ``method`` answers 429 Too Many Requests with ``retry_after``."""
        with self.lock:
            self.failures.setdefault(method, []).append(_Failure(
                429, f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after}))

    def block(self, chat_id: int) -> None:
        """Messages to ``chat_id`` are refused with 403, as for a user who blocked the bot."""
        with self.lock:
            self.blocked_chats.add(chat_id)

    # -- looking at what happened ---------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.method == method]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of the messages accepted by ``sendMessage`` (to ``chat_id``)."""
        with self.lock:
            return [call.params for call in self.calls if call.method == "sendMessage"
                    and call.params.get("_accepted")
                    and (chat_id is None or call.params.get("chat_id") == chat_id)]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [params["text"] for params in self.sent(chat_id)]

    def photos(self, chat_id: int) -> list[bytes | str]:
        """What ``sendPhoto`` delivered to ``chat_id``: uploaded bytes, or an address."""
        with self.lock:
            return [call.params["photo"] for call in self.calls if call.method == "sendPhoto"
                    and call.params.get("_accepted") and call.params.get("chat_id") == chat_id]

    def wait_until(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        """Blocks until ``condition()`` holds, or fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; calls so far: {self.calls}")
                self.lock.wait(min(remaining, 0.2))

    def wait_for_texts(self, chat_id: int, count: int, timeout: float = 30.0) -> list[str]:
        """Waits until ``count`` messages were delivered to ``chat_id``; returns their texts."""
        self.wait_until(lambda: len(self.texts(chat_id)) >= count, timeout)
        return self.texts(chat_id)

    # -- answering ------------------------------------------------------------------------

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            call = Call(method, params)
            self.calls.append(call)
            self.lock.notify_all()
            queued = self.failures.get(method)
            if queued:
                failure = queued.pop(0)
                body = {"ok": False, "error_code": failure.status,
                        "description": failure.description}
                if failure.parameters:
                    body["parameters"] = failure.parameters
                return failure.status, body
            if method in ("sendMessage", "sendPhoto") and params.get("chat_id") in self.blocked_chats:
                return 403, {"ok": False, "error_code": 403,
                             "description": "Forbidden: bot was blocked by the user"}
            result = self._result(method, params)
            if result is None:
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: " +
                             ("invalid file_id" if method == "getFile" else "unknown method")}
            params["_accepted"] = True
            return 200, {"ok": True, "result": result}

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "answerCallbackQuery":
            return True
        if method == "getFile":
            known = self.files.get(params.get("file_id", ""))
            if known is None:
                return None
            path, data = known
            return {"file_id": params["file_id"], "file_unique_id": f"u-{params['file_id']}",
                    "file_size": len(data), "file_path": path}
        if method in ("sendMessage", "sendPhoto"):
            sent_count = sum(1 for call in self.calls if call.method == method)
            message = {"message_id": 1000 + sent_count, "date": int(time.time()),
                       "chat": {"id": params["chat_id"], "type": "private"}, "from": BOT_USER}
            if method == "sendMessage":
                message["text"] = params.get("text", "")
            return message
        return None

    def download(self, path: str) -> bytes | None:
        with self.lock:
            for file_path, data in self.files.values():
                if file_path == path:
                    return data
        return None


def _multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """The fields of a ``multipart/form-data`` body; a file is its bytes."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        fields[name] = data if part.get_filename() else data.decode("utf-8")
    return fields


def _params(body: bytes, content_type: str, query: str) -> dict[str, Any]:
    raw: dict[str, Any] = dict(parse_qsl(query))
    if body and "json" in content_type:
        raw.update(json.loads(body))
    elif body and content_type.startswith("multipart/form-data"):
        raw.update(_multipart(body, content_type))
    elif body:
        raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and value[:1] in "[{" and value:
            try:
                value = json.loads(value)
            except ValueError:
                pass
        params[key] = value
    if isinstance(params.get("chat_id"), str) and params["chat_id"].lstrip("-").isdigit():
        params["chat_id"] = int(params["chat_id"])
    return params


class FakeTelegramServer:
    """Runs a :class:`FakeTelegram` on a free loopback port until :meth:`close`."""

    def __init__(self, token: str = TOKEN) -> None:
        self.state = FakeTelegram()
        state, bot_prefix, file_prefix = self.state, f"/bot{token}/", f"/file/bot{token}/"

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self) -> None:
                url = urlsplit(self.path)
                path = unquote(url.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if path.startswith(file_prefix):
                    data = state.download(path[len(file_prefix):])
                    if data is None:
                        self._reply(404, b"not found", "text/plain")
                    else:
                        self._reply(200, data, "application/octet-stream")
                    return
                if not path.startswith(bot_prefix):
                    self._reply(401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}',
                                "application/json")
                    return
                method = path[len(bot_prefix):]
                status, answer = state.answer(
                    method, _params(body, self.headers.get("Content-Type") or "", url.query))
                self._reply(status, json.dumps(answer).encode(), "application/json")

            do_GET = do_POST = _handle  # noqa: N815 (http.server's naming)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.state.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        """What ``TELEGRAM_API_BASE_URL`` should be set to."""
        return self.state.base_url

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- updates, built with python-telegram-bot's own types ------------------------------------


def _user(user_id: int) -> User:
    return User(id=user_id, is_bot=False, first_name="顾客", language_code="zh-hans")


def _message(user_id: int, message_id: int, chat_type: str = Chat.PRIVATE,
             **content: Any) -> Message:
    chat_id = user_id if chat_type == Chat.PRIVATE else -100_000 - user_id
    return Message(message_id=message_id, date=datetime.now(timezone.utc),
                   chat=Chat(id=chat_id, type=chat_type), from_user=_user(user_id), **content)


def text_update(update_id: int, user_id: int, text: str, chat_type: str = Chat.PRIVATE
                ) -> dict[str, Any]:
    """An update carrying a text message (a ``/command`` gets its command entity)."""
    entities = ()
    if text.startswith("/"):
        entities = (MessageEntity(MessageEntity.BOT_COMMAND, 0, len(text.split()[0])),)
    message = _message(user_id, update_id, chat_type, text=text, entities=entities)
    return Update(update_id=update_id, message=message).to_dict()


def photo_update(update_id: int, user_id: int, file_id: str, caption: str | None = None
                 ) -> dict[str, Any]:
    """An update carrying a photo in three sizes; the largest has id ``file_id``."""
    sizes = tuple(
        PhotoSize(file_id=f"{file_id}-{side}" if side < 1280 else file_id,
                  file_unique_id=f"u-{file_id}-{side}", width=side, height=side * 3 // 4,
                  file_size=side * 40)
        for side in (90, 320, 1280)
    )
    message = _message(user_id, update_id, photo=sizes, caption=caption)
    return Update(update_id=update_id, message=message).to_dict()


def document_update(update_id: int, user_id: int, file_id: str, mime_type: str,
                    file_size: int | None = None) -> dict[str, Any]:
    """An update carrying a file sent as a document."""
    document = Document(file_id=file_id, file_unique_id=f"u-{file_id}", file_name="x.jpg",
                        mime_type=mime_type, file_size=file_size)
    message = _message(user_id, update_id, document=document)
    return Update(update_id=update_id, message=message).to_dict()


def callback_update(update_id: int, user_id: int, data: str) -> dict[str, Any]:
    """An update for a press on an inline keyboard button with callback ``data``."""
    query = CallbackQuery(id=f"cq-{update_id}", from_user=_user(user_id), chat_instance="ci",
                          data=data, message=_message(user_id, update_id, text="请选择"))
    return Update(update_id=update_id, callback_query=query).to_dict()


def location_update(update_id: int, user_id: int) -> dict[str, Any]:
    """A message with content the channel does not read (a location)."""
    message = _message(user_id, update_id, location=Location(longitude=121.47, latitude=31.23))
    return Update(update_id=update_id, message=message).to_dict()


def edited_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """An update for an edited message."""
    message = _message(user_id, update_id, text=text)
    return Update(update_id=update_id, edited_message=message).to_dict()
