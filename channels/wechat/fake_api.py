"""A stand-in for ``api.weixin.qq.com`` on loopback, for the simulator and the tests.

It implements what the channel calls: ``/cgi-bin/token``, ``/cgi-bin/message/custom/send``,
``/cgi-bin/media/get`` and ``/cgi-bin/media/upload``; it also serves registered media at
``/media/<id>`` as a ``PicUrl`` would. Every customer-service message is recorded, and an
uploaded picture can be sent on as an image message. ``fail_next`` programs failures
(tests name them: expired token, 45015, HTTP 500); ``outage`` makes every call fail for a
while, as when WeChat's API is unreachable.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SEND = "/cgi-bin/message/custom/send"
MEDIA = "/cgi-bin/media/get"
UPLOAD = "/cgi-bin/media/upload"
TOKEN = "/cgi-bin/token"


def _multipart_file(body: bytes, content_type: str, field: str) -> tuple[bytes, str] | None:
    """The bytes and type of the file ``field`` in a ``multipart/form-data`` body."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == field:
            return part.get_payload(decode=True), part.get_content_type()
    return None


@dataclass(frozen=True)
class Failure:
    """One programmed failure: an HTTP status, or HTTP 200 with a WeChat errcode."""

    status: int = 200
    errcode: int | None = None
    expire_tokens: bool = False


class FakeWeChatAPI:
    """A real HTTP server on ``host`` (a free port unless ``port`` is given)."""

    def __init__(self, app_id: str, app_secret: str, host: str = "127.0.0.1", port: int = 0,
                 on_message: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self.sent: list[dict[str, Any]] = []
        self.tokens_issued = 0
        self._media: dict[str, tuple[bytes, str]] = {}
        self._valid_tokens: set[str] = set()
        self._failures: dict[str, deque[Failure]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._outage_status = 503
        self.refused_in_outage = 0
        self._on_message = on_message
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add_media(self, data: bytes, content_type: str = "image/jpeg",
                  media_id: str | None = None) -> str:
        """Registers a temporary media file; returns its ``MediaId``."""
        media_id = media_id or f"media-{next(self._ids)}"
        self._media[media_id] = (data, content_type)
        return media_id

    def media_url(self, media_id: str) -> str:
        """An address serving the media without a token, like a ``PicUrl``."""
        return f"{self.url}/media/{media_id}"

    def fail_next(self, path: str, failure: Failure, times: int = 1) -> None:
        """The next ``times`` calls to ``path`` fail as described."""
        with self._lock:
            self._failures.setdefault(path, deque()).extend([failure] * times)

    def outage(self, seconds: float, status: int = 503) -> None:
        """Every call (token, send, media, upload, picture addresses) answers ``status``
        for the next ``seconds``; ``refused_in_outage`` counts them."""
        with self._lock:
            self._down_until = time.monotonic() + seconds
            self._outage_status = status

    def _in_outage(self) -> int | None:
        with self._lock:
            if time.monotonic() >= self._down_until:
                return None
            self.refused_in_outage += 1
            return self._outage_status

    def expire_tokens(self) -> None:
        """Every access token issued so far stops working (errcode 40001)."""
        with self._lock:
            self._valid_tokens.clear()

    def messages_to(self, openid: str) -> list[str]:
        """The texts sent to ``openid`` so far, in order."""
        with self._lock:
            return [m.get("text", {}).get("content", "") for m in self.sent
                    if m.get("touser") == openid and m.get("msgtype", "text") == "text"]

    def images_to(self, openid: str) -> list[bytes]:
        """The pictures sent to ``openid`` as image messages so far, in order."""
        with self._lock:
            return [self._media.get(m.get("image", {}).get("media_id", ""), (b"", ""))[0]
                    for m in self.sent
                    if m.get("touser") == openid and m.get("msgtype") == "image"]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- the API -------------------------------------------------------------------
    def _next_failure(self, path: str) -> Failure | None:
        with self._lock:
            queue = self._failures.get(path)
            failure = queue.popleft() if queue else None
            if failure is not None and failure.expire_tokens:
                self._valid_tokens.clear()
            return failure

    def _issue_token(self, query: dict[str, str]) -> dict[str, Any]:
        if (query.get("appid"), query.get("secret")) != (self.app_id, self.app_secret):
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        with self._lock:
            self.tokens_issued += 1
            token = f"token-{self.tokens_issued}"
            self._valid_tokens.add(token)
        return {"access_token": token, "expires_in": 7200}

    def _token_ok(self, query: dict[str, str]) -> bool:
        with self._lock:
            return query.get("access_token") in self._valid_tokens

    def _upload(self, query: dict[str, str], body: bytes, content_type: str) -> dict[str, Any]:
        upload = _multipart_file(body, content_type, "media")
        if upload is None or query.get("type") != "image":
            return {"errcode": 40004, "errmsg": "invalid media type"}
        media_id = self.add_media(*upload)
        return {"type": "image", "media_id": media_id, "created_at": 0}

    def _send(self, body: bytes) -> dict[str, Any]:
        message = json.loads(body.decode("utf-8"))
        with self._lock:
            self.sent.append(message)
        if self._on_message is not None:
            self._on_message(message)
        return {"errcode": 0, "errmsg": "ok"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._serve(b"")

            def do_POST(self) -> None:  # noqa: N802
                self._serve(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def _serve(self, body: bytes) -> None:
                parts = urlsplit(self.path)
                path = parts.path
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                down = api._in_outage()
                if down is not None:
                    return self._json({"errcode": -1, "errmsg": "system busy"}, down)
                if path.startswith("/media/") and path[7:] in api._media:
                    return self._bytes(*api._media[path[7:]])
                if path == TOKEN:
                    return self._json(api._issue_token(query))
                if path not in (SEND, MEDIA, UPLOAD):
                    return self._json({"errcode": 404, "errmsg": "unknown path"}, 404)
                failure = api._next_failure(path)
                if failure is not None and failure.status != 200:
                    return self._json({"errcode": -1, "errmsg": "system error"}, failure.status)
                if failure is not None and failure.errcode:
                    return self._json({"errcode": failure.errcode, "errmsg": "programmed"})
                if not api._token_ok(query):
                    return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                if path == SEND:
                    return self._json(api._send(body))
                if path == UPLOAD:
                    return self._json(api._upload(query, body,
                                                  self.headers.get("Content-Type") or ""))
                media = api._media.get(query.get("media_id", ""))
                if media is None:
                    return self._json({"errcode": 40007, "errmsg": "invalid media_id"})
                return self._bytes(*media)

            def _json(self, payload: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self._bytes(data, "application/json; charset=utf-8", status)

            def _bytes(self, data: bytes, content_type: str, status: int = 200) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
