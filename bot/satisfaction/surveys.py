"""Asking for a 1–5 score, keeping the answer and the comment, opening follow-ups.

A conversation has at most one open survey: its latest, while unanswered and asked less
than ``SCORE_WINDOW`` ago. Asking again supersedes an older unanswered question (only the
newest can be answered). A customer is asked once per handoff ticket and once per case;
a case decided while a person holds the conversation is covered by that handoff's survey.

Every function works in the caller's unit of work and audits what it changes, as
``conversation:<id>`` for the customer's answers and ``bot`` for questions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit
from bot.db import (
    ChannelIdentity,
    FollowUp,
    FollowUpStatus,
    HandoffTicket,
    ReturnCase,
    SatisfactionSurvey,
    SurveySubject,
    TicketStatus,
)
from bot.enums import CaseState
from bot.handoff.tickets import open_ticket_for

# Metadata keys on the bot messages that ask for a score / invite a comment; their value
# is the survey's id. ``bot.dialogue.EscalationPolicy`` routes the answers by them.
SURVEY_KEY = "satisfaction_survey"
COMMENT_KEY = "satisfaction_comment"
# How long a question can be answered, and a score commented on.
SCORE_WINDOW = timedelta(hours=24)
COMMENT_WINDOW = timedelta(hours=24)
# Scores from 1 up to this one leave a follow-up for agents.
LOW_SCORE = 2
FOLLOW_UP_REASON = "low_satisfaction"
MAX_COMMENT = 1000
# A case in one of these states has its decision: nothing more is pending from us but
# the money already on its way (an approved case stays APPROVED only when no refund is
# owed, e.g. an exchange).
CONCLUDED = frozenset({CaseState.APPROVED, CaseState.REJECTED, CaseState.REFUND_PENDING,
                       CaseState.REFUNDED, CaseState.CLOSED})
ENDED = (TicketStatus.RETURNED, TicketStatus.CLOSED)


@dataclass(frozen=True)
class Asked:
    """A question to put to the customer now.

    ``again`` is true when the same unanswered question is asked once more (the desk
    retried telling the customer a handoff ended).
    """

    survey_id: int
    subject: SurveySubject
    case_ref: str | None
    again: bool = False


@dataclass(frozen=True)
class Answered:
    """A score or comment kept on a survey (``already``: the survey had one, which stays)."""

    survey_id: int
    score: int
    follow_up_id: int | None
    already: bool = False

    @property
    def low(self) -> bool:
        return self.score <= LOW_SCORE


def _actor(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


def case_concluded(case: ReturnCase) -> bool:
    """Whether the case has its final decision (approved and settled, refunded, rejected,
    closed); a withdrawn case is not scored."""
    return case.state in CONCLUDED


def latest_survey(session: Session, conversation_id: str) -> SatisfactionSurvey | None:
    """The conversation's newest survey, answered or not."""
    return session.scalars(
        select(SatisfactionSurvey).where(SatisfactionSurvey.conversation_id == conversation_id)
        .order_by(SatisfactionSurvey.id.desc()).limit(1)
    ).first()


def open_survey(session: Session, conversation_id: str,
                now: datetime) -> SatisfactionSurvey | None:
    """The survey a score from this conversation would answer, if any."""
    survey = latest_survey(session, conversation_id)
    if survey is None or survey.score is not None or survey.asked_at < now - SCORE_WINDOW:
        return None
    return survey


def _follow_up_of(session: Session, survey_id: int) -> int | None:
    return session.scalar(select(FollowUp.id).where(FollowUp.survey_id == survey_id))


def _case_ref(session: Session, case_id: int | None) -> str | None:
    return session.scalar(select(ReturnCase.ref).where(ReturnCase.id == case_id)) \
        if case_id is not None else None


def _new_survey(session: Session, *, conversation_id: str, customer_id: int | None,
                subject: SurveySubject, ticket_id: int | None, case_id: int | None,
                now: datetime) -> Asked:
    superseded = open_survey(session, conversation_id, now)
    if superseded is not None:
        audit.record(session, "bot", "satisfaction.superseded", "satisfaction_survey",
                     superseded.id, conversation_id=conversation_id)
    survey = SatisfactionSurvey(conversation_id=conversation_id, customer_id=customer_id,
                                subject=subject, ticket_id=ticket_id, case_id=case_id,
                                asked_at=now)
    session.add(survey)
    session.flush()
    audit.record(session, "bot", "satisfaction.asked", "satisfaction_survey", survey.id,
                 conversation_id=conversation_id, subject=subject.value, ticket_id=ticket_id,
                 case_id=case_id)
    return Asked(survey.id, subject, _case_ref(session, case_id))


def _case_settled_during(session: Session, ticket: HandoffTicket) -> int | None:
    """The case the handoff's survey also covers: the ticket's own case if it was decided
    for good, else the customer's latest case decided while the person had them."""
    if ticket.customer_id is None:
        return None
    decided = session.scalars(
        select(ReturnCase.id).where(
            ReturnCase.customer_id == ticket.customer_id, ReturnCase.state.in_(CONCLUDED),
            ReturnCase.updated_at >= ticket.created_at,
            ReturnCase.updated_at <= (ticket.ended_at or ticket.created_at))
        .order_by(ReturnCase.updated_at.desc(), ReturnCase.id.desc())
    ).all()
    if ticket.case_id in decided:
        return ticket.case_id
    return decided[0] if decided else None


def ask_about_handoff(session: Session, ticket: HandoffTicket, now: datetime) -> Asked | None:
    """The question to ask when ``ticket`` has just ended, or ``None``.

    The first call creates the survey; later calls (the desk telling the customer again)
    return the same unanswered question while it is still the conversation's open one, and
    ``None`` once it is answered, superseded or expired. ``None`` too while the ticket is
    open.
    """
    if ticket.status not in ENDED:
        return None
    earlier = session.scalars(
        select(SatisfactionSurvey).where(SatisfactionSurvey.ticket_id == ticket.id)
        .order_by(SatisfactionSurvey.id.desc()).limit(1)
    ).first()
    if earlier is not None:
        current = open_survey(session, ticket.conversation_id, now)
        if current is None or current.id != earlier.id:
            return None
        return Asked(earlier.id, earlier.subject, _case_ref(session, earlier.case_id),
                     again=True)
    return _new_survey(session, conversation_id=ticket.conversation_id,
                       customer_id=ticket.customer_id, subject=SurveySubject.HANDOFF,
                       ticket_id=ticket.id, case_id=_case_settled_during(session, ticket),
                       now=now)


def ask_about_case(session: Session, case_id: int, conversation_id: str,
                   now: datetime) -> Asked | None:
    """The question to ask in ``conversation_id`` about a case just decided, or ``None``:
    the case is not decided for good, its customer was asked about it before (on its own
    or with a handoff), or a person holds the conversation now (their handoff's survey will
    cover it)."""
    case = session.get(ReturnCase, case_id)
    if case is None or not case_concluded(case):
        return None
    if session.scalar(select(SatisfactionSurvey.id)
                      .where(SatisfactionSurvey.case_id == case_id).limit(1)) is not None:
        return None
    if open_ticket_for(session, conversation_id) is not None:
        return None
    return _new_survey(session, conversation_id=conversation_id, customer_id=case.customer_id,
                       subject=SurveySubject.CASE, ticket_id=None, case_id=case_id, now=now)


def customer_chat(session: Session, customer_id: int) -> ChannelIdentity | None:
    """The chat to ask a customer in: the one they bound most recently."""
    return session.scalars(
        select(ChannelIdentity).where(ChannelIdentity.customer_id == customer_id)
        .order_by(ChannelIdentity.bound_at.desc(), ChannelIdentity.id.desc()).limit(1)
    ).first()


def withdraw(session: Session, survey_id: int) -> bool:
    """Takes back a question that could not be sent (only while unanswered)."""
    removed = session.execute(
        delete(SatisfactionSurvey)
        .where(SatisfactionSurvey.id == survey_id, SatisfactionSurvey.score.is_(None))
        .execution_options(synchronize_session=False)
    ).rowcount
    if removed:
        audit.record(session, "bot", "satisfaction.withdrawn", "satisfaction_survey", survey_id)
    return bool(removed)


def _open_follow_up(session: Session, survey: SatisfactionSurvey, now: datetime) -> int:
    """The survey's follow-up, created unless it exists (one per survey)."""
    existing = _follow_up_of(session, survey.id)
    if existing is not None:
        return existing
    follow_up = FollowUp(conversation_id=survey.conversation_id, customer_id=survey.customer_id,
                         survey_id=survey.id, case_id=survey.case_id, ticket_id=survey.ticket_id,
                         reason=FOLLOW_UP_REASON, status=FollowUpStatus.OPEN, created_at=now)
    try:
        with session.begin_nested():
            session.add(follow_up)
            session.flush()
    except IntegrityError:
        existing = _follow_up_of(session, survey.id)
        if existing is None:
            raise
        return existing
    audit.record(session, "bot", "follow_up.opened", "follow_up", follow_up.id,
                 conversation_id=survey.conversation_id, survey_id=survey.id,
                 reason=FOLLOW_UP_REASON, score=survey.score)
    return follow_up.id


def record_score(session: Session, conversation_id: str, score: int,
                 now: datetime) -> Answered | None:
    """Keeps ``score`` (1–5) as the answer to the conversation's newest survey.

    A score of ``LOW_SCORE`` or less opens a follow-up. Answering again changes nothing
    (``Answered.already``, with the first score).

    Returns:
        ``None`` when there is no survey, or its question is older than ``SCORE_WINDOW``.

    Raises:
        ValueError: ``score`` is not 1 to 5.
    """
    if not 1 <= score <= 5:
        raise ValueError("satisfaction is 1 to 5")
    survey = latest_survey(session, conversation_id)
    if survey is None:
        return None
    if survey.score is None and survey.asked_at < now - SCORE_WINDOW:
        return None
    answered = session.execute(
        update(SatisfactionSurvey)
        .where(SatisfactionSurvey.id == survey.id, SatisfactionSurvey.score.is_(None))
        .values(score=score, answered_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(survey)
    if not answered:
        return Answered(survey.id, survey.score, _follow_up_of(session, survey.id), already=True)
    audit.record(session, _actor(conversation_id), "satisfaction.scored", "satisfaction_survey",
                 survey.id, score=score, subject=survey.subject.value,
                 ticket_id=survey.ticket_id, case_id=survey.case_id)
    follow_up = _open_follow_up(session, survey, now) if score <= LOW_SCORE else None
    return Answered(survey.id, score, follow_up)


def record_comment(session: Session, conversation_id: str, text: str,
                   now: datetime) -> Answered | None:
    """Keeps ``text`` (cut to ``MAX_COMMENT`` characters) as the comment on the score the
    conversation gave last; the survey's follow-up, if any, shows it to agents.

    One comment per survey: a later one changes nothing (``Answered.already``).

    Returns:
        ``None`` for blank text, no scored survey, or a score older than
        ``COMMENT_WINDOW``.
    """
    comment = (text or "").strip()[:MAX_COMMENT]
    survey = latest_survey(session, conversation_id)
    if not comment or survey is None or survey.score is None \
            or survey.answered_at < now - COMMENT_WINDOW:
        return None
    kept = session.execute(
        update(SatisfactionSurvey)
        .where(SatisfactionSurvey.id == survey.id, SatisfactionSurvey.comment.is_(None))
        .values(comment=comment, commented_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(survey)
    follow_up = _follow_up_of(session, survey.id)
    if not kept:
        return Answered(survey.id, survey.score, follow_up, already=True)
    audit.record(session, _actor(conversation_id), "satisfaction.commented",
                 "satisfaction_survey", survey.id, length=len(comment), follow_up_id=follow_up)
    return Answered(survey.id, survey.score, follow_up)
