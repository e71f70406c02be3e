"""The desk's JSON API under ``/console/api/``; see the README section "Agent desk".

Reads need ``view_queue``; claiming, replying, notes, ending and marking a follow-up
done need ``reply``; case decisions need ``act_on_case``. Every POST carries the CSRF
token (``Guard.api``).
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.messaging.rasa_api import RasaClient, RasaUnavailable
from bot.staff.roles import PERMISSIONS, Permission
from channels.console import case_actions, conversation, desk, texts
from channels.console.errors import Refusal
from channels.console.guard import COMMON_HEADERS, Guard, Staff, json_response
from channels.console.stream import EventStream

logger = logging.getLogger(__name__)

MAX_REPLY = 1000
MAX_JSON_BODY = 64 * 1024  # the largest desk request (a reply, a note) is a few KB
TOO_LARGE = "请求内容太大（最多{limit}字节），未处理。"
END_ACTION = "action_handoff_end"
PHOTO_HEADERS = {"Cache-Control": "private, max-age=3600", "Content-Disposition": "inline"}


def body_of(request: Request) -> dict[str, Any]:
    """The JSON object sent (``{}`` for an empty body).

    Raises:
        Refusal: over ``MAX_JSON_BODY`` (413, not parsed), not JSON, or not an object.
    """
    if not request.body:
        return {}
    if len(request.body) > MAX_JSON_BODY:
        raise Refusal(413, TOO_LARGE.format(limit=MAX_JSON_BODY))
    try:
        data = request.json
    except InvalidUsage:
        raise Refusal(400, texts.BAD_REQUEST) from None
    if not isinstance(data, dict):
        raise Refusal(400, texts.BAD_REQUEST)
    return data


def reply_text(raw: Any) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if not 1 <= len(text) <= MAX_REPLY:
        raise Refusal(400, texts.REPLY_LENGTH.format(limit=MAX_REPLY))
    return text


def client_id_of(raw: Any) -> str:
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        raise Refusal(400, texts.CLIENT_ID_MISSING) from None


def ticket_param(request: Request) -> int | None:
    raw = request.args.get("ticket")
    if raw is None:
        return None
    if not raw.isdigit():
        raise Refusal(400, texts.BAD_REQUEST)
    return int(raw)


def _me(guard: Guard, staff: Staff) -> dict[str, Any]:
    return {"id": staff.id, "username": staff.username, "display_name": staff.display_name,
            "role": staff.role.value, "csrf_token": guard.csrf_token(staff),
            "permissions": sorted(p.value for p in PERMISSIONS[staff.role])}


def add_api_routes(bp: Blueprint, guard: Guard, rasa: RasaClient, stream: EventStream) -> None:
    """Registers the API routes on the console blueprint."""
    clock = guard.clock

    @bp.get("/api/me")
    @guard.api()
    async def me(request: Request, staff: Staff) -> HTTPResponse:
        return json_response(_me(guard, staff))

    @bp.get("/api/queue")
    @guard.api(Permission.VIEW_QUEUE)
    async def queue(request: Request, staff: Staff) -> HTTPResponse:
        rows = await asyncio.to_thread(desk.load_queue, staff.id, clock())
        return json_response({"tickets": rows})

    @bp.get("/api/events")
    @guard.api(Permission.VIEW_QUEUE)
    async def events(request: Request, staff: Staff) -> None:
        await stream.serve(request, staff, ticket_param(request))

    @bp.get("/api/tickets/<ticket_id:int>")
    @guard.api(Permission.VIEW_QUEUE)
    async def ticket(request: Request, staff: Staff, ticket_id: int) -> HTTPResponse:
        data = await asyncio.to_thread(desk.load_ticket, ticket_id, staff.id, clock())
        view = dict(data.view)
        view["transcript"] = await conversation.transcript(rasa, ticket_id,
                                                           data.conversation_id,
                                                           data.customer_id)
        return json_response(view)

    @bp.post("/api/tickets/<ticket_id:int>/claim")
    @guard.api(Permission.REPLY, csrf=True)
    async def claim(request: Request, staff: Staff, ticket_id: int) -> HTTPResponse:
        head = await asyncio.to_thread(desk.claim, ticket_id, staff.id, clock())
        return json_response({"ok": True, "ticket": head})

    @bp.post("/api/tickets/<ticket_id:int>/unclaim")
    @guard.api(Permission.REPLY, csrf=True)
    async def unclaim(request: Request, staff: Staff, ticket_id: int) -> HTTPResponse:
        head = await asyncio.to_thread(desk.unclaim, ticket_id, staff.id, clock())
        return json_response({"ok": True, "ticket": head})

    @bp.post("/api/tickets/<ticket_id:int>/reply")
    @guard.api(Permission.REPLY, csrf=True)
    async def reply(request: Request, staff: Staff, ticket_id: int) -> HTTPResponse:
        body = body_of(request)
        text = reply_text(body.get("text"))
        client_id = client_id_of(body.get("client_id"))
        conversation_id = await asyncio.to_thread(desk.begin_reply, ticket_id, staff.id,
                                                  client_id, clock())
        if conversation_id is None:
            return json_response({"ok": True, "duplicate": True})
        try:
            await rasa.send_bot_message(conversation_id, text,
                                        {"agent": staff.display_name, "staff_id": staff.id})
        except RasaUnavailable:
            await asyncio.to_thread(desk.reply_failed, ticket_id, client_id)
            raise
        await asyncio.to_thread(desk.reply_sent, ticket_id, staff.id, client_id, len(text))
        return json_response({"ok": True, "duplicate": False})

    @bp.post("/api/tickets/<ticket_id:int>/notes")
    @guard.api(Permission.REPLY, csrf=True)
    async def note(request: Request, staff: Staff, ticket_id: int) -> HTTPResponse:
        text = body_of(request).get("text")
        notes = await asyncio.to_thread(desk.add_note, ticket_id, staff.id,
                                        text if isinstance(text, str) else "", clock())
        return json_response({"ok": True, "notes": notes})

    async def end(staff: Staff, ticket_id: int, *, close: bool) -> HTTPResponse:
        conversation_id = await asyncio.to_thread(desk.end, ticket_id, staff.id, clock(),
                                                  close=close)
        try:
            await rasa.execute(conversation_id, END_ACTION)
        except RasaUnavailable as error:
            logger.error("console: ticket %s ended but %s failed: %s", ticket_id, END_ACTION,
                         error)
            action = texts.ACTION_CLOSED if close else texts.ACTION_HANDED_BACK
            raise Refusal(502, texts.ENDED_BUT_NOT_RESUMED.format(action=action),
                          ended=True, retry=True) from None
        return json_response({"ok": True, "ended": True})

    @bp.post("/api/tickets/<ticket_id:int>/handback")
    @guard.api(Permission.REPLY, csrf=True)
    async def handback(request: Request, staff: Staff, ticket_id: int) -> HTTPResponse:
        return await end(staff, ticket_id, close=False)

    @bp.post("/api/tickets/<ticket_id:int>/close")
    @guard.api(Permission.REPLY, csrf=True)
    async def close(request: Request, staff: Staff, ticket_id: int) -> HTTPResponse:
        return await end(staff, ticket_id, close=True)

    @bp.post("/api/tickets/<ticket_id:int>/resume")
    @guard.api(Permission.REPLY, csrf=True)
    async def resume(request: Request, staff: Staff, ticket_id: int) -> HTTPResponse:
        conversation_id = await asyncio.to_thread(desk.resumable, ticket_id, staff.id)
        state = await rasa.state(conversation_id)
        if not state.get("paused"):
            raise Refusal(409, texts.RESUME_NOT_NEEDED)
        await rasa.execute(conversation_id, END_ACTION)
        return json_response({"ok": True})

    @bp.post("/api/cases/<case_id:int>/<action:str>")
    @guard.api(Permission.ACT_ON_CASE, csrf=True)
    async def case_action(request: Request, staff: Staff, case_id: int,
                          action: str) -> HTTPResponse:
        if action not in case_actions.ACTIONS:
            raise Refusal(404, texts.BAD_REQUEST)
        body = body_of(request)
        raw_ticket = body.get("ticket_id")
        if type(raw_ticket) is not int:
            raise Refusal(400, texts.BAD_REQUEST)
        outcome = await asyncio.to_thread(case_actions.act, action, case_id, raw_ticket,
                                          staff.id, body, clock())
        notified = True
        try:
            await rasa.send_bot_message(outcome.conversation_id, outcome.notice,
                                        {"agent": staff.display_name, "staff_id": staff.id})
        except RasaUnavailable as error:
            logger.error("console: notice for case %s not sent: %s", case_id, error)
            notified = False
        return json_response({"ok": True, "case": outcome.case, "coupon": outcome.coupon,
                              "notice": outcome.notice, "notified": notified,
                              "warning": None if notified else texts.NOTICE_FAILED})

    @bp.get("/api/follow-ups")
    @guard.api(Permission.VIEW_QUEUE)
    async def follow_ups(request: Request, staff: Staff) -> HTTPResponse:
        return json_response(await asyncio.to_thread(desk.load_follow_ups))

    @bp.post("/api/follow-ups/<follow_up_id:int>/done")
    @guard.api(Permission.REPLY, csrf=True)
    async def follow_up_done(request: Request, staff: Staff, follow_up_id: int) -> HTTPResponse:
        outcome = body_of(request).get("outcome")
        done = await asyncio.to_thread(desk.finish_follow_up, follow_up_id, staff.id, outcome,
                                       clock())
        return json_response({"ok": True, **done})

    @bp.get("/api/evidence/<evidence_id:int>")
    @guard.api(Permission.VIEW_QUEUE)
    async def evidence(request: Request, staff: Staff, evidence_id: int) -> HTTPResponse:
        ticket_id = ticket_param(request)
        if ticket_id is None:
            raise Refusal(404, texts.EVIDENCE_NOT_FOUND)
        photo = await asyncio.to_thread(desk.evidence_file, evidence_id, ticket_id)
        return await response.file(photo.path, mime_type=photo.mime_type,
                                   headers={**COMMON_HEADERS, **PHOTO_HEADERS})

