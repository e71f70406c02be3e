"""The console's pages and sign-in: ``/console/`` (agent desk), ``/console/review``
(leads' transcript review), ``/console/login``, ``/console/logout``
and the static files the pages load (``/console/static/…``)."""
from __future__ import annotations

import asyncio
import html
import logging
from pathlib import Path
from urllib.parse import urlsplit

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.staff import sessions
from bot.staff.accounts import AccountLocked, BadCredentials, attempt_login
from bot.staff.roles import Permission, allowed
from channels.console import texts
from channels.console.api import body_of
from channels.console.errors import Refusal
from channels.console.guard import (
    COMMON_HEADERS,
    PAGE_HEADERS,
    PREFIX,
    Guard,
    Staff,
    clear_session_cookie,
    is_https,
    json_response,
    refused,
    set_session_cookie,
)

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_FILES = {
    "dom.js": "text/javascript; charset=utf-8",
    "desk.js": "text/javascript; charset=utf-8",
    "login.js": "text/javascript; charset=utf-8",
    "desk.css": "text/css; charset=utf-8",
    "review.js": "text/javascript; charset=utf-8",
    "review.css": "text/css; charset=utf-8",
    "metrics.js": "text/javascript; charset=utf-8",
    "metrics.css": "text/css; charset=utf-8",
}
DESK_PAGE = f"{PREFIX}/"
ERROR_SLOT = "{{error}}"


def _page(name: str, error: str = "", status: int = 200) -> HTTPResponse:
    body = (STATIC_DIR / name).read_text(encoding="utf-8")
    return response.html(body.replace(ERROR_SLOT, html.escape(error)), status=status,
                         headers=PAGE_HEADERS)


def _same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site's page.

    Behind a proxy that rewrites ``Host``, the proxy's ``X-Forwarded-Host`` counts too (a
    page on another site cannot set that header on a cross-site request).
    """
    origin = request.headers.get("origin")
    if not origin:
        return True
    hosts = {request.host, request.headers.get("x-forwarded-host")}
    return urlsplit(origin).netloc in hosts


def _wants_json(request: Request) -> bool:
    return "json" in request.content_type


def _credentials(request: Request) -> tuple[str, str]:
    if _wants_json(request):
        body = body_of(request)
        username, password = body.get("username"), body.get("password")
    else:
        username, password = request.form.get("username"), request.form.get("password")
    return (username if isinstance(username, str) else "",
            password if isinstance(password, str) else "")


def add_page_routes(bp: Blueprint, guard: Guard) -> None:
    """Registers the pages, sign-in and sign-out on the console blueprint."""

    @bp.get("/")
    @guard.page
    async def desk_page(request: Request, staff: Staff) -> HTTPResponse:
        return _page("desk.html")

    @bp.get("/review")
    @guard.page
    async def review_page(request: Request, staff: Staff) -> HTTPResponse:
        return _page("review.html")

    @bp.get("/metrics")
    @guard.page
    async def metrics_page(request: Request, staff: Staff) -> HTTPResponse:
        if not allowed(staff.role, Permission.METRICS):
            return _page("metrics.html", texts.METRICS_FORBIDDEN, 403)
        return _page("metrics.html")

    @bp.get("/login")
    async def login_page(request: Request) -> HTTPResponse:
        if await guard.staff(request) is not None:
            return response.redirect(DESK_PAGE, headers=COMMON_HEADERS)
        return _page("login.html")

    @bp.post("/login")
    async def login(request: Request) -> HTTPResponse:
        as_json = _wants_json(request)
        if not _same_origin(request):
            return refused(Refusal(403, texts.FORBIDDEN))
        try:
            username, password = _credentials(request)
        except Refusal as refusal:
            return refused(refusal)
        now = guard.clock()
        address = request.remote_addr or request.ip or "unknown"
        try:
            account = await asyncio.to_thread(attempt_login, username, password, address, now)
        except BadCredentials:
            logger.info("console: failed sign-in for %r from %s", username[:40], address)
            if as_json:
                return refused(Refusal(401, texts.BAD_CREDENTIALS))
            return _page("login.html", texts.BAD_CREDENTIALS, 401)
        except AccountLocked as locked:
            message = texts.locked(locked.until, now)
            retry_after = str(max(1, int((locked.until - now).total_seconds())))
            answer = (refused(Refusal(429, message)) if as_json
                      else _page("login.html", message, 429))
            answer.headers["Retry-After"] = retry_after
            return answer
        token = sessions.issue(account.id, account.role, guard.secret, now)
        answer = (json_response({"ok": True, "redirect": DESK_PAGE}) if as_json
                  else response.redirect(DESK_PAGE, status=303, headers=COMMON_HEADERS))
        set_session_cookie(answer, token, secure=is_https(request))
        logger.info("console: %s signed in", account.username)
        return answer

    @bp.post("/logout")
    @guard.api(csrf=True)
    async def logout(request: Request, staff: Staff) -> HTTPResponse:
        answer = json_response({"ok": True, "redirect": f"{PREFIX}/login"})
        clear_session_cookie(answer)
        return answer

    @bp.get("/static/<name:str>")
    async def static(request: Request, name: str) -> HTTPResponse:
        if name not in STATIC_FILES:
            return refused(Refusal(404, texts.BAD_REQUEST))
        return await response.file(STATIC_DIR / name, mime_type=STATIC_FILES[name],
                                   headers={**COMMON_HEADERS, "Cache-Control": "no-cache"})
