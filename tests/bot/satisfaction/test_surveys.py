"""Surveys: who is asked about what and when, the score and comment kept, the follow-up a
low score leaves, each change in the audit trail."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cases import open_case, review
from bot.db import (
    AuditEntry,
    ChannelIdentity,
    FollowUp,
    ReturnCase,
    SatisfactionSurvey,
)
from bot.db.session import unit_of_work
from bot.enums import CaseState
from bot.handoff import tickets
from bot.policy import load_policy
from bot.satisfaction import (
    ask_about_case,
    case_concluded,
    customer_chat,
    open_survey,
    withdraw,
)
from tests.bot.cases.claims import customer_id, missing_claim
from tests.bot.handoff.desk import new_ticket, open_new
from tests.bot.satisfaction.asking import asked_after, comment, ended, score


def survey(survey_id: int) -> SatisfactionSurvey:
    with unit_of_work() as session:
        row = session.get(SatisfactionSurvey, survey_id)
        session.expunge(row)
        return row


def follow_ups() -> list[FollowUp]:
    with unit_of_work() as session:
        rows = list(session.scalars(select(FollowUp).order_by(FollowUp.id)))
        session.expunge_all()
        return rows


def trail(entity: str) -> list[tuple[str, str, str]]:
    with unit_of_work() as session:
        return [(e.actor, e.action, e.entity_id) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id))]


def decided_case(now, *, reject: bool = True, conversation_id: str = "demo-1") -> int:
    """demo-1's missing strawberries, rejected (or left with the leader)."""
    with unit_of_work() as session:
        case = open_case(session, missing_claim(session, now), now, load_policy(),
                         "customer").case
        if reject:
            review.reject(session, case.id, actor="leader:1", now=now, reason="袋子里有两盒")
        return case.id


# ---------------------------------------------------------------- after a handoff


def test_a_handoff_that_ended_is_asked_about_once(app_db, now, agent):
    ticket_id = ended(now, agent)

    asked = asked_after(ticket_id, now + timedelta(minutes=6))

    stored = survey(asked.survey_id)
    assert (stored.conversation_id, stored.subject.value, stored.ticket_id) == (
        "demo-1", "handoff", ticket_id)
    assert stored.customer_id is None and stored.score is None
    assert trail("satisfaction_survey") == [("bot", "satisfaction.asked", str(stored.id))]


def test_an_open_handoff_is_not_asked_about(app_db, now, agent):
    waiting = open_new("demo-2", now)

    assert asked_after(waiting, now) is None


def test_asking_again_repeats_the_unanswered_question_and_stops_once_answered(app_db, now,
                                                                              agent):
    ticket_id = ended(now, agent)
    first = asked_after(ticket_id, now + timedelta(minutes=6))

    again = asked_after(ticket_id, now + timedelta(minutes=8))
    score("demo-1", 5, now + timedelta(minutes=9))
    answered = asked_after(ticket_id, now + timedelta(minutes=10))

    assert (again.survey_id, again.again) == (first.survey_id, True)
    assert answered is None, "never asked twice about the same handoff"


def test_the_handoff_covers_the_case_the_agent_decided(app_db, now, agent):
    with unit_of_work() as session:
        ticket = new_ticket("demo-1")
        ticket.customer_id = customer_id(session, "demo-1")
        ticket_id = tickets.open_ticket(session, ticket, now)[0].id
        tickets.claim(session, ticket_id, agent, now)
    case_id = decided_case(now + timedelta(minutes=2))
    with unit_of_work() as session:
        tickets.end(session, ticket_id, agent, now + timedelta(minutes=5), close=True)

    asked = asked_after(ticket_id, now + timedelta(minutes=6))

    assert survey(asked.survey_id).case_id == case_id
    with unit_of_work() as session:
        assert ask_about_case(session, case_id, "demo-1", now + timedelta(minutes=7)) is None


# ---------------------------------------------------------------- after a case


def test_a_rejected_case_is_asked_about_once(app_db, now):
    case_id = decided_case(now)
    with unit_of_work() as session:
        asked = ask_about_case(session, case_id, "demo-1", now)
        again = ask_about_case(session, case_id, "demo-1", now)

    assert again is None
    stored = survey(asked.survey_id)
    assert (stored.subject.value, stored.case_id) == ("case", case_id)
    with unit_of_work() as session:
        assert stored.customer_id == customer_id(session, "demo-1")
    assert asked.case_ref and asked.case_ref.startswith("R")


def test_a_case_still_waiting_for_the_leader_is_not_asked_about(app_db, now):
    case_id = decided_case(now, reject=False)

    with unit_of_work() as session:
        assert ask_about_case(session, case_id, "demo-1", now) is None


def test_nobody_is_asked_about_a_case_while_a_person_has_the_conversation(app_db, now):
    case_id = decided_case(now)
    open_new("demo-1", now)

    with unit_of_work() as session:
        assert ask_about_case(session, case_id, "demo-1", now) is None


@pytest.mark.parametrize("state, concluded", [
    (CaseState.SUBMITTED, False), (CaseState.LEADER_REVIEW, False),
    (CaseState.CANCELLED, False), (CaseState.APPROVED, True), (CaseState.REJECTED, True),
    (CaseState.REFUND_PENDING, True), (CaseState.REFUNDED, True), (CaseState.CLOSED, True),
])
def test_which_cases_have_their_final_decision(state, concluded):
    assert case_concluded(ReturnCase(state=state)) is concluded


def test_the_customer_is_asked_in_the_chat_they_bound_last(app_db, now):
    with unit_of_work() as session:
        customer = customer_id(session, "demo-1")
        session.add(ChannelIdentity(channel="telegram", external_id="tg-77", customer_id=customer,
                                    bound_at=now + timedelta(days=1)))
    with unit_of_work() as session:
        chat = customer_chat(session, customer)
        assert (chat.channel, chat.external_id) == ("telegram", "tg-77")


# ---------------------------------------------------------------- scores


def test_a_low_score_leaves_one_follow_up_for_agents(app_db, now, agent):
    ticket_id = ended(now, agent)
    asked = asked_after(ticket_id, now)

    scored = score("demo-1", 2, now + timedelta(minutes=1))
    again = score("demo-1", 1, now + timedelta(minutes=2))

    assert (scored.score, scored.low, scored.already) == (2, True, False)
    assert (again.score, again.already, again.follow_up_id) == (2, True, scored.follow_up_id)
    stored = survey(asked.survey_id)
    assert (stored.score, stored.answered_at) == (2, now + timedelta(minutes=1))
    [follow_up] = follow_ups()
    assert (follow_up.id, follow_up.reason, follow_up.status.value) == (
        scored.follow_up_id, "low_satisfaction", "open")
    assert (follow_up.survey_id, follow_up.ticket_id, follow_up.conversation_id) == (
        asked.survey_id, ticket_id, "demo-1")
    assert trail("satisfaction_survey")[-1] == ("conversation:demo-1", "satisfaction.scored",
                                                str(asked.survey_id))
    assert trail("follow_up") == [("bot", "follow_up.opened", str(follow_up.id))]


@pytest.mark.parametrize("value", [3, 4, 5])
def test_a_fair_or_good_score_needs_no_follow_up(app_db, now, agent, value):
    asked_after(ended(now, agent), now)

    assert score("demo-1", value, now).follow_up_id is None
    assert follow_ups() == []


def test_a_case_follow_up_names_the_case(app_db, now):
    case_id = decided_case(now)
    with unit_of_work() as session:
        ask_about_case(session, case_id, "demo-1", now)

    score("demo-1", 1, now)

    [follow_up] = follow_ups()
    assert (follow_up.case_id, follow_up.ticket_id) == (case_id, None)


def test_a_score_is_not_kept_without_a_question_or_after_a_day(app_db, now, agent):
    assert score("demo-2", 5, now) is None
    asked = asked_after(ended(now, agent), now)

    assert score("demo-1", 1, now + timedelta(hours=24, minutes=1)) is None

    assert survey(asked.survey_id).score is None and follow_ups() == []
    with unit_of_work() as session:
        assert open_survey(session, "demo-1", now + timedelta(hours=25)) is None


@pytest.mark.parametrize("value", [0, 6, -1])
def test_a_score_outside_one_to_five_is_refused(app_db, now, agent, value):
    asked = asked_after(ended(now, agent), now)

    with pytest.raises(ValueError):
        score("demo-1", value, now)
    assert survey(asked.survey_id).score is None


def test_a_new_question_supersedes_the_unanswered_one(app_db, now, agent):
    older = asked_after(ended(now, agent), now)
    newer = asked_after(ended(now + timedelta(minutes=30), agent), now + timedelta(minutes=40))

    score("demo-1", 4, now + timedelta(minutes=41))

    assert (survey(older.survey_id).score, survey(newer.survey_id).score) == (None, 4)
    assert ("bot", "satisfaction.superseded", str(older.survey_id)) in trail(
        "satisfaction_survey")


def test_a_score_never_lands_on_an_older_handoff(app_db, now, agent):
    older = asked_after(ended(now, agent), now)
    score("demo-1", 5, now + timedelta(minutes=1))
    newer = asked_after(ended(now + timedelta(minutes=30), agent), now + timedelta(minutes=40))

    score("demo-1", 2, now + timedelta(minutes=41))

    assert (survey(older.survey_id).score, survey(newer.survey_id).score) == (5, 2)


# ---------------------------------------------------------------- comments


def test_the_comment_goes_on_the_score_just_given(app_db, now, agent):
    asked = asked_after(ended(now, agent), now)
    score("demo-1", 1, now)

    commented = comment("demo-1", "  等了半小时才有人回  ", now + timedelta(minutes=1))

    assert (commented.low, commented.already) == (True, False)
    stored = survey(asked.survey_id)
    assert (stored.comment, stored.commented_at) == ("等了半小时才有人回",
                                                     now + timedelta(minutes=1))
    with unit_of_work() as session:
        assert session.get(FollowUp, commented.follow_up_id).survey.comment == stored.comment
    assert trail("satisfaction_survey")[-1][1] == "satisfaction.commented"


def test_one_comment_per_score(app_db, now, agent):
    asked = asked_after(ended(now, agent), now)
    score("demo-1", 4, now)
    comment("demo-1", "挺好的", now)

    assert comment("demo-1", "还有一点", now).already is True
    assert survey(asked.survey_id).comment == "挺好的"


def test_no_comment_without_a_score_blank_or_too_late(app_db, now, agent):
    asked = asked_after(ended(now, agent), now)
    assert comment("demo-1", "先说两句", now) is None, "nothing scored yet"
    score("demo-1", 3, now)

    assert comment("demo-1", "   ", now) is None
    assert comment("demo-1", "过了一天才想起来", now + timedelta(hours=25)) is None
    assert survey(asked.survey_id).comment is None


def test_a_long_comment_is_cut_to_fit(app_db, now, agent):
    asked = asked_after(ended(now, agent), now)
    score("demo-1", 2, now)

    comment("demo-1", "慢" * 1500, now)

    assert len(survey(asked.survey_id).comment) == 1000


# ---------------------------------------------------------------- a question not sent


def test_a_question_that_could_not_be_sent_is_withdrawn_but_never_an_answered_one(app_db,
                                                                                  now, agent):
    asked = asked_after(ended(now, agent), now)
    with unit_of_work() as session:
        assert withdraw(session, asked.survey_id) is True
    assert trail("satisfaction_survey")[-1] == ("bot", "satisfaction.withdrawn",
                                                str(asked.survey_id))
    kept = asked_after(ended(now + timedelta(hours=1), agent), now + timedelta(hours=1))
    score("demo-1", 5, now + timedelta(hours=1))

    with unit_of_work() as session:
        assert withdraw(session, kept.survey_id) is False
    assert survey(kept.survey_id).score == 5
