"""Signing in and out of the desk, and who may call what: sessions, roles, CSRF."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update
from yarl import URL

from bot.db import AuditEntry, HandoffTicket, StaffAccount, TicketStatus
from bot.db.session import unit_of_work
from tests.channels.console.conftest import load_ticket, open_handoff, read_events, staff_id

API_GETS = ["/console/api/queue", "/console/api/events", "/console/api/tickets/1",
            "/console/api/evidence/1?ticket=1"]
API_POSTS = ["/console/api/tickets/1/claim", "/console/api/tickets/1/unclaim",
             "/console/api/tickets/1/reply", "/console/api/tickets/1/notes",
             "/console/api/tickets/1/handback", "/console/api/tickets/1/close",
             "/console/api/tickets/1/resume", "/console/api/cases/1/approve",
             "/console/api/cases/1/reject", "/console/api/cases/1/coupon",
             "/console/api/cases/1/resolution"]


async def test_signing_in_sets_a_strict_http_only_cookie_for_the_desk_only(desk):
    browser = desk.browser()

    answer = await browser.login("agent1")

    assert answer.status == 200 and answer.body == {"ok": True, "redirect": "/console/"}
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("desk_session=")
    for flag in ("HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age=43200"):
        assert flag in cookie
    assert "Secure" not in cookie  # plain http on loopback; set behind a TLS proxy
    me = await browser.get("/console/api/me")
    assert me.status == 200
    assert me.body["username"] == "agent1" and me.body["display_name"] == "客服小李"
    assert me.body["role"] == "agent" and me.body["csrf_token"]
    assert "view_queue" in me.body["permissions"]


async def test_behind_a_tls_proxy_the_cookie_is_secure(desk):
    answer = await desk.browser().post(
        "/console/login", {"username": "agent1", "password": "demo-agent-pass"},
        csrf=False, headers={"X-Forwarded-Proto": "https"})

    assert answer.status == 200 and "Secure" in answer.headers["Set-Cookie"]


async def test_a_form_post_signs_in_with_a_redirect(desk):
    browser = desk.browser()
    async with browser.http.post(desk.url + "/console/login",
                                 data={"username": "agent1", "password": "demo-agent-pass"},
                                 allow_redirects=False) as response:
        assert response.status == 303 and response.headers["Location"] == "/console/"

    assert (await browser.get("/console/api/me")).status == 200


async def test_a_wrong_password_is_refused_politely_and_gives_no_session(desk):
    browser = desk.browser()

    answer = await browser.login("agent1", "not-the-password")

    assert answer.status == 401 and answer.error == "用户名或密码不对"
    assert "Set-Cookie" not in answer.headers
    assert (await browser.get("/console/api/me")).status == 401
    unknown = await browser.login("nobody", "whatever-password")
    assert unknown.status == 401 and unknown.error == "用户名或密码不对"


async def test_a_wrong_password_on_the_form_shows_the_page_with_the_message_escaped(desk):
    browser = desk.browser()
    async with browser.http.post(desk.url + "/console/login",
                                 data={"username": "agent1", "password": "wrong-password"},
                                 allow_redirects=False) as response:
        page = await response.text()
        assert response.status == 401
        assert "用户名或密码不对" in page and "{{error}}" not in page
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


async def test_after_five_wrong_passwords_sign_in_is_throttled(desk):
    browser = desk.browser()
    for _ in range(5):
        assert (await browser.login("agent1", "wrong-password")).status == 401

    locked = await browser.login("agent1")  # even the right password

    assert locked.status == 429
    assert locked.error == "登录失败次数过多，请 15 分钟后再试"
    assert 800 < int(locked.headers["Retry-After"]) <= 900
    assert (await browser.get("/console/api/me")).status == 401


async def test_a_sign_in_posted_from_another_site_is_refused(desk):
    answer = await desk.browser().post(
        "/console/login", {"username": "agent1", "password": "demo-agent-pass"}, csrf=False,
        headers={"Origin": "https://evil.example"})

    assert answer.status == 403 and "Set-Cookie" not in answer.headers


async def test_signing_out_needs_the_csrf_token_and_clears_the_cookie(desk, agent):
    refused = await agent.post("/console/logout", csrf=None)
    assert refused.status == 403
    assert (await agent.get("/console/api/me")).status == 200

    answer = await agent.post("/console/logout")

    assert answer.status == 200
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("desk_session=") and "Max-Age=0" in cookie and "Path=/console" in cookie
    assert (await agent.get("/console/api/me")).status == 401


async def test_every_api_route_refuses_without_a_session(desk):
    browser = desk.browser()
    for path in API_GETS:
        answer = await browser.get(path)
        assert (path, answer.status, answer.error) == (path, 401, "请先登录")
    for path in API_POSTS + ["/console/logout"]:
        answer = await browser.post(path, {}, csrf="anything")
        assert (path, answer.status, answer.error) == (path, 401, "请先登录")


async def test_a_forged_or_foreign_session_cookie_is_not_a_session(desk, agent):
    token = agent.session_cookie()
    forged = desk.browser()
    forged.http.cookie_jar.update_cookies({"desk_session": token[:-2] + "xx"},
                                          response_url=URL(desk.url))

    assert (await forged.get("/console/api/queue")).status == 401


async def test_a_disabled_account_or_a_changed_role_ends_the_session(desk, agent):
    assert (await agent.get("/console/api/queue")).status == 200
    with unit_of_work() as session:
        session.execute(update(StaffAccount).where(StaffAccount.username == "agent1")
                        .values(role="lead"))
    assert (await agent.get("/console/api/queue")).status == 401

    with unit_of_work() as session:
        session.execute(update(StaffAccount).where(StaffAccount.username == "agent1")
                        .values(role="agent", active=False))
    assert (await agent.get("/console/api/queue")).status == 401


async def test_a_group_leader_may_neither_read_nor_act_at_the_desk(desk):
    leader = await desk.signed_in("leader1")
    ticket_id = open_handoff()
    for path in API_GETS:
        answer = await leader.get(path.replace("=1", f"={ticket_id}"))
        assert (path, answer.status, answer.error) == (path, 403, "您的账号没有这个权限")
    for path in API_POSTS:
        answer = await leader.post(path.replace("/1/", f"/{ticket_id}/"),
                                   {"text": "hi", "ticket_id": ticket_id})
        assert (path, answer.status) == (path, 403)

    assert load_ticket(ticket_id).status is TicketStatus.WAITING
    with unit_of_work() as session:
        assert session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "handoff_ticket")).all() == ["handoff.opened"]


async def test_a_group_leader_still_learns_who_they_are(desk):
    leader = await desk.signed_in("leader1")

    me = await leader.get("/console/api/me")

    assert me.status == 200 and me.body["role"] == "leader"
    assert "view_queue" not in me.body["permissions"]


@pytest.mark.parametrize("username", ["lead1", "admin1"])
async def test_leads_and_admins_work_the_desk_too(desk, username):
    browser = await desk.signed_in(username)
    ticket_id = open_handoff()

    assert (await browser.get("/console/api/queue")).status == 200
    assert (await browser.post(f"/console/api/tickets/{ticket_id}/claim")).status == 200


@pytest.mark.parametrize("csrf", [None, "wrong-token"])
async def test_a_change_without_the_right_csrf_token_is_refused_and_changes_nothing(
        desk, agent, csrf):
    ticket_id = open_handoff()

    answer = await agent.post(f"/console/api/tickets/{ticket_id}/claim", csrf=csrf)

    assert answer.status == 403 and answer.error == "页面已过期，请刷新后再试"
    ticket = load_ticket(ticket_id)
    assert ticket.status is TicketStatus.WAITING and ticket.claimed_by is None
    with unit_of_work() as session:
        assert not session.scalars(select(AuditEntry).where(
            AuditEntry.action == "handoff.claimed")).first()


async def test_another_sessions_csrf_token_does_not_work(desk, agent):
    lead = await desk.signed_in("lead1")
    ticket_id = open_handoff()

    answer = await agent.post(f"/console/api/tickets/{ticket_id}/claim", csrf=lead.csrf)

    assert answer.status == 403
    with unit_of_work() as session:
        assert session.get(HandoffTicket, ticket_id).claimed_by is None


async def test_pages_redirect_to_sign_in_without_a_session(desk):
    browser = desk.browser()

    page = await browser.get("/console/")

    assert page.status == 302 and page.headers["Location"] == "/console/login"
    login = await browser.get("/console/login")
    assert login.status == 200 and 'id="username"' in login.body and 'id="login"' in login.body


async def test_the_desk_page_is_served_with_a_strict_content_security_policy(desk, agent):
    page = await agent.get("/console/")

    assert page.status == 200 and 'id="queue"' in page.body
    assert page.headers["Content-Security-Policy"].startswith(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert (await agent.get("/console/login")).status == 302  # already signed in


async def test_static_files_are_served_and_nothing_else(desk):
    browser = desk.browser()

    script = await browser.get("/console/static/desk.js")

    assert script.status == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert script.headers["X-Content-Type-Options"] == "nosniff"
    assert (await browser.get("/console/static/desk.css")).status == 200
    assert (await browser.get("/console/static/desk.html")).status == 404
    assert (await browser.get("/console/static/..%2Finput.py")).status == 404


async def test_the_desk_marks_an_agent_online_only_while_the_page_streams(desk, agent):
    with unit_of_work() as session:
        assert session.get(StaffAccount, staff_id("agent1")).last_seen_at is None
    async with agent.http.get(desk.url + "/console/api/events") as response:
        assert response.status == 200
        await response.content.readline()
        for _ in range(40):
            with unit_of_work() as session:
                if session.get(StaffAccount, staff_id("agent1")).last_seen_at:
                    break
            await asyncio.sleep(0.05)
    with unit_of_work() as session:
        assert session.get(StaffAccount, staff_id("agent1")).last_seen_at is not None


async def test_behind_a_proxy_that_rewrites_host_the_forwarded_host_is_the_origin(desk):
    answer = await desk.browser().post(
        "/console/login", {"username": "agent1", "password": "demo-agent-pass"}, csrf=False,
        headers={"Origin": "https://desk.example.com", "X-Forwarded-Host": "desk.example.com"})

    assert answer.status == 200


async def test_an_open_stream_ends_when_the_account_is_disabled(desk, agent):
    async with agent.http.get(desk.url + "/console/api/events") as response:
        await read_events(response, "queue")
        with unit_of_work() as session:
            session.execute(update(StaffAccount).where(StaffAccount.username == "agent1")
                            .values(active=False))
        rest = await asyncio.wait_for(response.content.read(), 5)

    assert b"event:" not in rest
    assert (await agent.get("/console/api/events")).status == 401
