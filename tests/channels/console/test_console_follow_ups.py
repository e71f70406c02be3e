"""待回访: customers who scored 1–2 appear at the desk until an agent notes the outcome."""
from __future__ import annotations

from sqlalchemy import select

from bot.cases import open_case, review
from bot.db import AuditEntry, FollowUp, FollowUpStatus
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.handoff import tickets
from bot.policy import load_policy
from bot.satisfaction import ask_about_case, ask_about_handoff, record_comment, record_score
from tests.bot.cases.claims import missing_claim
from tests.channels.console.conftest import open_handoff, read_events, staff_id


def unhappy_after_handoff(conversation_id: str = "demo-1", score: int = 1,
                          comment: str | None = "等了好久才有人理我") -> int:
    """A handoff ends, the customer scores it low (and comments); returns the follow-up."""
    now = utcnow()
    ticket_id = open_handoff(conversation_id)
    agent = staff_id("agent1")
    with unit_of_work() as session:
        tickets.claim(session, ticket_id, agent, now)
        ticket = tickets.end(session, ticket_id, agent, now, close=True)
        ask_about_handoff(session, ticket, now)
        follow_up_id = record_score(session, conversation_id, score, now).follow_up_id
        if comment:
            record_comment(session, conversation_id, comment, now)
    return follow_up_id


def unhappy_about_a_case() -> tuple[int, str]:
    """demo-1's missing strawberries rejected by the leader, scored 2: (follow-up, ref)."""
    now = utcnow()
    with unit_of_work() as session:
        case = open_case(session, missing_claim(session, now), now, load_policy(),
                         "customer").case
        review.reject(session, case.id, actor="leader:1", now=now, reason="袋子里有两盒")
        ask_about_case(session, case.id, "demo-1", now)
        return record_score(session, "demo-1", 2, now).follow_up_id, case.ref


def follow_up(follow_up_id: int) -> FollowUp:
    with unit_of_work() as session:
        row = session.get(FollowUp, follow_up_id)
        session.expunge(row)
        return row


async def test_the_desk_lists_who_to_call_back_with_their_score_and_words(desk, agent):
    follow_up_id = unhappy_after_handoff()

    answer = await agent.get("/console/api/follow-ups")

    assert answer.status == 200 and answer.body["count"] == 1
    [row] = answer.body["follow_ups"]
    assert row["id"] == follow_up_id and row["customer_name"] == "王小美"
    assert row["phone"] == "138****4571", "masked: the desk list is not where numbers leak"
    assert (row["score"], row["comment"]) == (1, "等了好久才有人理我")
    assert row["subject_label"] == "人工服务" and row["ticket_id"] is not None
    assert row["reason_label"] == "满意度低" and row["created_at"]


async def test_a_case_follow_up_names_the_case(desk, agent):
    follow_up_id, ref = unhappy_about_a_case()

    [row] = (await agent.get("/console/api/follow-ups")).body["follow_ups"]

    assert (row["id"], row["case_ref"], row["score"]) == (follow_up_id, ref, 2)
    assert row["subject_label"] == "售后单" and row["comment"] is None


async def test_marking_done_records_the_outcome_and_takes_it_off_the_list(desk, agent):
    follow_up_id = unhappy_after_handoff()

    answer = await agent.post(f"/console/api/follow-ups/{follow_up_id}/done",
                              {"outcome": "已电话致歉，送了5元券，顾客接受"})

    assert answer.status == 200 and answer.body["duplicate"] is False
    assert answer.body["follow_up"]["done_by"] == "客服小李"
    done = follow_up(follow_up_id)
    assert done.status is FollowUpStatus.DONE and done.done_by == staff_id("agent1")
    assert done.outcome == "已电话致歉，送了5元券，顾客接受" and done.done_at is not None
    listed = await agent.get("/console/api/follow-ups")
    assert listed.body == {"follow_ups": [], "count": 0}
    with unit_of_work() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "follow_up.done")).one()
        assert (entry.actor, entry.entity_id) == (f"staff:{staff_id('agent1')}",
                                                  str(follow_up_id))


async def test_a_double_click_is_harmless_but_a_second_agent_is_told_who_did_it(
        desk, agent, second_agent):
    follow_up_id = unhappy_after_handoff()
    path = f"/console/api/follow-ups/{follow_up_id}/done"
    assert (await agent.post(path, {"outcome": "已回电"})).status == 200

    again = await agent.post(path, {"outcome": "已回电"})
    other = await (await desk.signed_in(second_agent)).post(path, {"outcome": "我也打了"})

    assert again.status == 200 and again.body["duplicate"] is True
    assert other.status == 409 and other.error.startswith("这条回访已由 客服小李 在 ")
    assert follow_up(follow_up_id).outcome == "已回电"
    with unit_of_work() as session:
        assert len(session.scalars(select(AuditEntry).where(
            AuditEntry.action == "follow_up.done")).all()) == 1


async def test_refusals_change_nothing(desk, agent):
    follow_up_id = unhappy_after_handoff()
    path = f"/console/api/follow-ups/{follow_up_id}/done"

    blank = await agent.post(path, {"outcome": "   "})
    too_long = await agent.post(path, {"outcome": "长" * 501})
    missing = await agent.post("/console/api/follow-ups/99999/done", {"outcome": "已回电"})
    forged = await agent.post(path, {"outcome": "已回电"}, csrf="not-the-token")

    assert (blank.status, blank.error) == (400, "回访结果需要 1 到 500 个字")
    assert too_long.status == 400
    assert (missing.status, missing.error) == (404, "没有这条回访")
    assert (forged.status, forged.error) == (403, "页面已过期，请刷新后再试")
    assert follow_up(follow_up_id).status is FollowUpStatus.OPEN


async def test_only_desk_staff_see_or_close_follow_ups(desk):
    follow_up_id = unhappy_after_handoff()
    leader = await desk.signed_in("leader1")
    stranger = desk.browser()

    assert (await leader.get("/console/api/follow-ups")).status == 403
    assert (await leader.post(f"/console/api/follow-ups/{follow_up_id}/done",
                              {"outcome": "已回电"})).status == 403
    assert (await stranger.get("/console/api/follow-ups")).status == 401
    assert follow_up(follow_up_id).status is FollowUpStatus.OPEN


async def test_a_good_score_leaves_nothing_to_follow_up(desk, agent):
    unhappy_after_handoff(score=4, comment="挺好的")

    assert (await agent.get("/console/api/follow-ups")).body["count"] == 0


async def test_a_new_low_score_arrives_live(desk, agent):
    first = unhappy_after_handoff("demo-1")
    async with agent.http.get(desk.url + "/console/api/events") as response:
        opened = await read_events(response, "queue")
        assert "follow_ups" not in [name for name, _ in opened], "the page loads the list"

        second = unhappy_after_handoff("demo-2", score=2, comment=None)
        events = await read_events(response, "follow_ups")

    assert [f["id"] for f in events[-1][1]["follow_ups"]] == [first, second]
    assert events[-1][1]["count"] == 2


async def test_the_conversation_view_shows_the_handoffs_score(desk, agent):
    unhappy_after_handoff(score=2)
    with unit_of_work() as session:
        ticket_id = session.scalars(select(FollowUp.ticket_id)).one()

    view = await agent.get(f"/console/api/tickets/{ticket_id}")

    assert view.body["ticket"]["satisfaction"] == 2
