"""When the assistant hands a conversation to a person."""
from __future__ import annotations

import pytest

from bot.escalation import Escalation, Turn, escalation

CALM = Turn("report_spoiled", 0.05, False)
MODERATE = Turn("urge_case", 0.5, False)
ANGRY = Turn("report_spoiled", 0.95, True)
LOST = Turn("nlu_fallback", 0.0, False)


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        ([CALM], None),
        ([ANGRY], Escalation.ANGRY),
        ([CALM, ANGRY], Escalation.ANGRY),
        ([MODERATE], None),
        ([MODERATE, MODERATE], Escalation.REPEATED_ANGER),
        ([MODERATE, CALM, MODERATE], None),
        ([Turn("request_human", 0.0, False)], Escalation.HUMAN_REQUESTED),
        ([LOST], None),
        ([LOST, LOST], Escalation.NOT_UNDERSTOOD),
        ([LOST, CALM, LOST], None),
        ([], None),
    ],
)
def test_signals(turns, expected):
    assert escalation(turns, moderate_anger=0.35) == expected


def test_once_escalated_only_an_explicit_request_escalates_again():
    assert escalation([ANGRY, ANGRY], 0.35, already_escalated=True) is None
    assert escalation([ANGRY, Turn("request_human", 0.9, True)], 0.35,
                      already_escalated=True) is Escalation.HUMAN_REQUESTED
