"""Satisfaction surveys and the follow-ups they leave for agents.

After a handoff ends or a case is decided for good, the customer is asked for a 1–5
score (``surveys.ask_about_handoff`` / ``surveys.ask_about_case``); the score
(``surveys.record_score``) and an optional comment (``surveys.record_comment``) are kept
on the survey, and a score of ``LOW_SCORE`` or less opens a ``FollowUp`` an agent closes
from the desk (``follow_ups``). Every change is audited.

How the dialogue recognises the answers: the bot message that asks carries
``{SURVEY_KEY: <survey id>}`` in its metadata, the thank-you that invites a comment
``{COMMENT_KEY: <survey id>}`` (see ``bot.dialogue.EscalationPolicy``).
"""
from bot.satisfaction.comments import is_new_request, is_no_comment
from bot.satisfaction.surveys import (
    COMMENT_KEY,
    LOW_SCORE,
    SCORE_WINDOW,
    SURVEY_KEY,
    Answered,
    Asked,
    ask_about_case,
    ask_about_handoff,
    case_concluded,
    customer_chat,
    latest_survey,
    open_survey,
    record_comment,
    record_score,
    withdraw,
)

__all__ = [
    "COMMENT_KEY", "LOW_SCORE", "SCORE_WINDOW", "SURVEY_KEY", "Answered", "Asked",
    "ask_about_case", "ask_about_handoff", "case_concluded", "customer_chat", "is_new_request",
    "is_no_comment", "latest_survey", "open_survey", "record_comment", "record_score", "withdraw",
]
