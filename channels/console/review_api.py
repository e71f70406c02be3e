"""The leads' transcript review API under ``/console/api/review/`` (README "Transcript
review"). Every route needs ``review_transcripts`` (leads and admins); every POST carries
the CSRF token; revealing personal data and every export are audited.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.review.errors import (
    AnnotationInvalid,
    AnnotationNotFound,
    BadFilter,
    ConversationNotFound,
    ExportTooLarge,
    ReviewError,
)
from bot.review.export import ExportFormat
from bot.review.filters import MAX_RANGE_DAYS
from bot.staff.roles import Permission
from channels.console import review, texts
from channels.console.api import PHOTO_HEADERS, body_of
from channels.console.errors import Refusal
from channels.console.guard import COMMON_HEADERS, Guard, Staff, json_response

PAGE_SIZE = 50
Handler = Callable[..., Awaitable[HTTPResponse]]


def refusal_for(error: ReviewError) -> Refusal:
    """The status and staff-facing message for a review error."""
    if isinstance(error, BadFilter):
        if error.problem == "order":
            return Refusal(400, texts.REVIEW_DATE_ORDER, field=error.field)
        if error.problem == "range":
            return Refusal(400, texts.REVIEW_DATE_RANGE.format(days=MAX_RANGE_DAYS),
                           field=error.field)
        label = texts.REVIEW_FIELD.get(error.field, error.field)
        return Refusal(400, texts.REVIEW_BAD_FILTER.format(field=label), field=error.field)
    if isinstance(error, ConversationNotFound):
        return Refusal(404, texts.REVIEW_NOT_FOUND)
    if isinstance(error, AnnotationInvalid):
        return Refusal(400, texts.REVIEW_ANNOTATION.get(error.problem, texts.BAD_REQUEST))
    if isinstance(error, AnnotationNotFound):
        return Refusal(404, texts.REVIEW_ANNOTATION_GONE)
    if isinstance(error, ExportTooLarge):
        return Refusal(400, texts.REVIEW_EXPORT_TOO_LARGE.format(matched=error.matched,
                                                                 limit=error.limit))
    return Refusal(400, texts.BAD_REQUEST)


def _reviewing(handler: Handler) -> Handler:
    @wraps(handler)
    async def translated(request: Request, staff: Staff, **kwargs: Any) -> HTTPResponse:
        try:
            return await handler(request, staff, **kwargs)
        except ReviewError as error:
            raise refusal_for(error) from None
    return translated


def _params(request: Request) -> dict[str, list[str]]:
    """Every query parameter with all its values (``request.args.get`` gives only the first)."""
    return {name: request.args.getlist(name) for name in request.args}


def _limit(request: Request) -> int:
    raw = request.args.get("limit", str(PAGE_SIZE))
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise BadFilter("limit")
    return int(raw)


def _download(body: bytes, filename: str, media_type: str) -> HTTPResponse:
    return response.raw(body, content_type=media_type, headers={
        **COMMON_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'})


def _record_param(request: Request) -> int:
    raw = request.args.get("conversation", "")
    if not raw.isdigit():
        raise Refusal(404, texts.EVIDENCE_NOT_FOUND)
    return int(raw)


def add_review_routes(bp: Blueprint, guard: Guard) -> None:
    """Registers the review routes on the console blueprint."""
    clock = guard.clock
    reads = guard.api(Permission.REVIEW_TRANSCRIPTS)
    writes = guard.api(Permission.REVIEW_TRANSCRIPTS, csrf=True)

    @bp.get("/api/review/options")
    @reads
    async def options(request: Request, staff: Staff) -> HTTPResponse:
        return json_response(await asyncio.to_thread(review.options))

    @bp.get("/api/review/conversations")
    @reads
    @_reviewing
    async def conversations(request: Request, staff: Staff) -> HTTPResponse:
        criteria = review.criteria_of(_params(request), clock())
        cursor = request.args.get("cursor") or None
        page = await asyncio.to_thread(review.conversations, criteria, cursor,
                                       _limit(request))
        return json_response(page)

    @bp.get("/api/review/conversations/<record_id:int>")
    @reads
    @_reviewing
    async def conversation(request: Request, staff: Staff, record_id: int) -> HTTPResponse:
        view = await asyncio.to_thread(review.conversation, record_id, staff.id,
                                       reveal=False, now=clock())
        return json_response(view)

    @bp.post("/api/review/conversations/<record_id:int>/reveal")
    @writes
    @_reviewing
    async def reveal(request: Request, staff: Staff, record_id: int) -> HTTPResponse:
        view = await asyncio.to_thread(review.conversation, record_id, staff.id,
                                       reveal=True, now=clock())
        return json_response(view)

    @bp.post("/api/review/conversations/<record_id:int>/annotations")
    @writes
    @_reviewing
    async def annotate(request: Request, staff: Staff, record_id: int) -> HTTPResponse:
        listed = await asyncio.to_thread(review.annotate, record_id, staff.id,
                                         body_of(request), clock())
        return json_response({"ok": True, "annotations": listed})

    @bp.post("/api/review/annotations/<annotation_id:int>/remove")
    @writes
    @_reviewing
    async def unannotate(request: Request, staff: Staff, annotation_id: int) -> HTTPResponse:
        listed = await asyncio.to_thread(review.unannotate, annotation_id, staff.id, clock())
        return json_response({"ok": True, "annotations": listed})

    @bp.get("/api/review/nlu-export")
    @reads
    async def nlu_export(request: Request, staff: Staff) -> HTTPResponse:
        download = await asyncio.to_thread(review.nlu_download, staff.id, clock())
        return _download(download.body, download.filename, download.media_type)

    @bp.get("/api/review/export")
    @reads
    @_reviewing
    async def transcripts(request: Request, staff: Staff) -> HTTPResponse:
        try:
            fmt = ExportFormat(request.args.get("format", "csv"))
        except ValueError:
            raise BadFilter("format") from None
        criteria = review.criteria_of(_params(request), clock())
        done = await asyncio.to_thread(review.transcripts_download, criteria, fmt, staff.id,
                                       clock())
        return _download(done.body, done.filename, done.media_type)

    @bp.get("/api/review/evidence/<evidence_id:int>")
    @reads
    async def evidence(request: Request, staff: Staff, evidence_id: int) -> HTTPResponse:
        path, mime = await asyncio.to_thread(review.photo, evidence_id, _record_param(request))
        return await response.file(path, mime_type=mime,
                                   headers={**COMMON_HEADERS, **PHOTO_HEADERS})
