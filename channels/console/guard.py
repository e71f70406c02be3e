"""Who is asking, and whether they may: session cookie, account check, role, CSRF.

Every desk route goes through ``Guard.api`` (JSON: 401 without a session, 403 for a
role without the permission or a state-changing request without the right CSRF token)
or ``Guard.page`` (HTML: a redirect to the login page without a session).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.db import StaffAccount
from bot.db.session import unit_of_work
from bot.db.staff import StaffRole
from bot.staff import sessions
from bot.staff.roles import Permission, allowed
from channels.console import texts
from channels.console.errors import Refusal, refusal_for

logger = logging.getLogger(__name__)

COOKIE = "desk_session"
PREFIX = "/console"
LOGIN_PAGE = f"{PREFIX}/login"
CSRF_HEADER = "X-CSRF-Token"
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
                  "Referrer-Policy": "same-origin"}
PAGE_HEADERS = {
    **COMMON_HEADERS,
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class Staff:
    """The signed-in staff member of a request."""

    id: int
    username: str
    display_name: str
    role: StaffRole
    token: str

    @property
    def actor(self) -> str:
        """How the audit trail names them."""
        return f"staff:{self.id}"


def load_staff(token: str | None, secret: str, now: datetime) -> Staff | None:
    """The staff member ``token`` signs in, if the token is valid and the account still
    exists, is active and has the role the token was issued for."""
    try:
        session_ = sessions.verify(token or "", secret, now)
    except sessions.InvalidSession:
        return None
    with unit_of_work() as session:
        account = session.get(StaffAccount, session_.account_id)
        if account is None or not account.active or account.role != session_.role:
            return None
        return Staff(account.id, account.username, account.display_name, account.role, token)


def json_response(body: Any, status: int = 200) -> HTTPResponse:
    return response.json(body, status=status, headers=COMMON_HEADERS)


def refused(refusal: Refusal) -> HTTPResponse:
    return json_response(refusal.body(), refusal.status)


def set_session_cookie(answer: HTTPResponse, token: str, *, secure: bool) -> None:
    """Puts the session token in an HttpOnly, SameSite=Strict cookie for the desk only."""
    answer.cookies[COOKIE] = token
    cookie = answer.cookies[COOKIE]
    cookie["path"] = PREFIX
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["max-age"] = int(sessions.DEFAULT_TTL.total_seconds())
    if secure:
        cookie["secure"] = True


def clear_session_cookie(answer: HTTPResponse) -> None:
    answer.cookies[COOKIE] = ""
    cookie = answer.cookies[COOKIE]
    cookie["path"] = PREFIX
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["max-age"] = 0


def is_https(request: Request) -> bool:
    """Whether the browser talks HTTPS to us (directly or through a TLS proxy)."""
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.scheme == "https" or forwarded.lower() == "https"


Handler = Callable[..., Awaitable[HTTPResponse]]


class Guard:
    """Checks requests against the session cookie.

    Args:
        secret: The console secret that signs sessions and CSRF tokens.
        clock: The current time.
    """

    def __init__(self, secret: str, clock: Callable[[], datetime]) -> None:
        self.secret = secret
        self.clock = clock

    async def staff(self, request: Request) -> Staff | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        return await asyncio.to_thread(load_staff, token, self.secret, self.clock())

    async def still_valid(self, staff: Staff) -> bool:
        """Whether ``staff``'s session still stands (not expired, account unchanged)."""
        return await asyncio.to_thread(load_staff, staff.token, self.secret,
                                       self.clock()) is not None

    def csrf_token(self, staff: Staff) -> str:
        return sessions.csrf_token(staff.token, self.secret)

    def csrf_ok(self, request: Request, staff: Staff) -> bool:
        return sessions.check_csrf(staff.token, request.headers.get(CSRF_HEADER), self.secret)

    def api(self, permission: Permission | None = None, *,
            csrf: bool = False) -> Callable[[Handler], Handler]:
        """Wraps a JSON route: ``handler(request, staff, **route_args)``.

        Refusals raised by the handler (or domain errors ``refusal_for`` knows) become
        their status and message; nothing else is caught.
        """
        def wrap(handler: Handler) -> Handler:
            @wraps(handler)
            async def guarded(request: Request, **kwargs: Any) -> HTTPResponse:
                staff = await self.staff(request)
                if staff is None:
                    return refused(Refusal(401, texts.NOT_SIGNED_IN))
                if csrf and not self.csrf_ok(request, staff):
                    logger.warning("console: %s refused, CSRF token missing or wrong (staff %s)",
                                   request.path, staff.id)
                    return refused(Refusal(403, texts.CSRF_FAILED))
                if permission is not None and not allowed(staff.role, permission):
                    return refused(Refusal(403, texts.FORBIDDEN))
                try:
                    return await handler(request, staff, **kwargs)
                except Exception as error:
                    refusal = refusal_for(error)
                    if refusal is None:
                        raise
                    return refused(refusal)
            return guarded
        return wrap

    def page(self, handler: Handler) -> Handler:
        """Wraps an HTML page: without a session, a redirect to the login page."""
        @wraps(handler)
        async def guarded(request: Request, **kwargs: Any) -> HTTPResponse:
            staff = await self.staff(request)
            if staff is None:
                return response.redirect(LOGIN_PAGE, headers=COMMON_HEADERS)
            return await handler(request, staff, **kwargs)
        return guarded
