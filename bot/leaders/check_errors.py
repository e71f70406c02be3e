"""What a leader can get wrong in a first check: each error is raised before anything
changed and carries the Chinese answer for the leader (``leader_text``)."""
from __future__ import annotations

from bot import messages
from bot.cases.review import NOTE_MAX
from bot.db import TaskDecision
from bot.enums import CaseState


class FirstCheckError(Exception):
    """A leader's first-check request that cannot be carried out; nothing was changed."""

    def __init__(self, ref: str, detail: str = "") -> None:
        super().__init__(f"{ref}: {detail}" if detail else ref)
        self.ref = ref

    @property
    def leader_text(self) -> str:
        """What to tell the leader, in Chinese."""
        return messages.TECHNICAL_PROBLEM


class UnknownLeader(FirstCheckError):
    """No such leader: the sender is not a registered group leader."""

    @property
    def leader_text(self) -> str:
        return messages.LEADER_UNKNOWN


class NoSuchCase(FirstCheckError):
    """No case has this reference."""

    @property
    def leader_text(self) -> str:
        return messages.LEADER_NO_SUCH_CASE.format(ref=self.ref)


class NotYourPickupPoint(FirstCheckError):
    """The case belongs to a customer of another pickup point."""

    @property
    def leader_text(self) -> str:
        return messages.LEADER_NOT_YOUR_POINT.format(ref=self.ref)


class NotForFirstCheck(FirstCheckError):
    """The case is waiting for a decision, but not for the leader's check."""

    @property
    def leader_text(self) -> str:
        return messages.LEADER_NOT_FOR_CHECK.format(ref=self.ref)


class AlreadyDecided(FirstCheckError):
    """The task was decided (or escalated to the platform) before."""

    def __init__(self, ref: str, decision: TaskDecision) -> None:
        super().__init__(ref, decision.value)
        self.decision = decision

    @property
    def leader_text(self) -> str:
        return messages.LEADER_ALREADY_DECIDED.format(
            ref=self.ref, decision=messages.LEADER_DECISION[self.decision.value])


class TaskClosed(FirstCheckError):
    """The case no longer waits for a decision: withdrawn, or decided by the platform."""

    def __init__(self, ref: str, state: CaseState) -> None:
        super().__init__(ref, state.value)
        self.state = state

    @property
    def leader_text(self) -> str:
        return messages.LEADER_CASE_CLOSED.format(ref=self.ref,
                                                  state=messages.CASE_STATE[self.state])


class ReasonRequired(FirstCheckError):
    """A rejection needs a reason (the customer is told it)."""

    @property
    def leader_text(self) -> str:
        return messages.LEADER_ASK_REASON.format(ref=self.ref)


class ReasonTooLong(FirstCheckError):
    """The reason or note is longer than ``bot.cases.review.NOTE_MAX`` characters."""

    @property
    def leader_text(self) -> str:
        return messages.LEADER_REASON_TOO_LONG.format(limit=NOTE_MAX)


class NotApproved(FirstCheckError):
    """Goods can be handled only once the case was approved."""

    def __init__(self, ref: str, state: CaseState) -> None:
        super().__init__(ref, state.value)
        self.state = state

    @property
    def leader_text(self) -> str:
        return messages.LEADER_NOT_APPROVED.format(ref=self.ref)


class NoSuchTask(LookupError):
    """No task has this id (a caller's mistake, not a leader's)."""
