"""A stand-in for the Rasa server's HTTP API on loopback, for the desk tests.

It keeps one event list per conversation the way Rasa's tracker does, answers
``GET /conversations/{id}/tracker``, and records ``POST …/tracker/events`` and
``POST …/execute`` calls so tests can check exactly what the desk sent. Running
``action_handoff_end`` resumes the conversation, as the real action does.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from aiohttp import web

HANDOFF_END_TEXT = "已为您转回智能助手，请为这次服务打分（1-5）"


@dataclass
class Call:
    kind: str              # "events" or "execute"
    conversation_id: str
    query: dict[str, str]
    body: Any


class FakeRasa:
    """Rasa's conversation API, in memory.

    Args:
        token: When set, requests without ``?token=`` equal to it get 401, like
            ``rasa run --auth-token``.
    """

    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.calls: list[Call] = []
        self.failing = False
        self.refusing_images = False
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/conversations/{cid}/tracker", self._tracker)
        app.router.add_post("/conversations/{cid}/tracker/events", self._append)
        app.router.add_post("/conversations/{cid}/execute", self._execute)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------ test helpers

    def add(self, conversation_id: str, event: dict[str, Any]) -> None:
        self.events[conversation_id].append({"timestamp": time.time(), **event})

    def customer_says(self, conversation_id: str, text: str, *, intent: str = "request_human",
                      confidence: float = 0.9, anger: float = 0.1,
                      metadata: dict[str, Any] | None = None) -> None:
        self.add(conversation_id, {
            "event": "user", "text": text, "input_channel": "rest",
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": confidence},
                           "anger": {"score": anger, "is_angry": anger >= 0.6}},
            "metadata": metadata or {},
        })

    def bot_says(self, conversation_id: str, text: str) -> None:
        self.add(conversation_id, {"event": "bot", "text": text, "data": {},
                                   "metadata": {"utter_action": "utter_x"}})

    def of(self, kind: str) -> list[Call]:
        return [call for call in self.calls if call.kind == kind]

    # ------------------------------------------------------------ the API

    def _refusal(self, request: web.Request) -> web.Response | None:
        if self.failing:
            return web.json_response({"status": "failure"}, status=500)
        if self.token and request.query.get("token") != self.token:
            return web.json_response({"status": "failure", "reason": "NotAuthenticated"},
                                     status=401)
        return None

    def _state(self, conversation_id: str, include_events: str = "ALL") -> dict[str, Any]:
        events = self.events[conversation_id]
        paused = False
        for event in events:
            if event["event"] == "pause":
                paused = True
            elif event["event"] == "resume":
                paused = False
        return {
            "sender_id": conversation_id, "paused": paused,
            "latest_event_time": events[-1]["timestamp"] if events else None,
            "events": None if include_events == "NONE" else list(events),
        }

    async def _tracker(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        return web.json_response(self._state(request.match_info["cid"],
                                             request.query.get("include_events", "ALL")))

    async def _append(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        cid, body = request.match_info["cid"], await request.json()
        if self.refusing_images and any((e.get("data") or {}).get("image") for e in body):
            return web.json_response({"status": "failure"}, status=500)
        self.calls.append(Call("events", cid, dict(request.query), body))
        for event in body:
            self.add(cid, event)
        return web.json_response(self._state(cid))

    async def _execute(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        cid, body = request.match_info["cid"], await request.json()
        self.calls.append(Call("execute", cid, dict(request.query), body))
        self.add(cid, {"event": "action", "name": body["name"]})
        if body["name"] == "action_handoff_end":
            self.bot_says(cid, HANDOFF_END_TEXT)
            self.add(cid, {"event": "resume"})
        return web.json_response({"tracker": self._state(cid)})
