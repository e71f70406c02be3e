"""Which role may do what on the agent desk: one small table, checked with ``require``.

Scoping is the caller's job: a ``leader`` holds ``view_point_cases`` and ``act_on_point_case``,
and the desk shows and lets them act only on the cases of the account's own pickup point
(``StaffAccount.leader.pickup_point_id``).
"""
from __future__ import annotations

from enum import Enum

from bot.db.staff import StaffRole


class Permission(str, Enum):
    VIEW_QUEUE = "view_queue"                    # see the waiting conversations
    REPLY = "reply"                              # claim, reply, hand back
    ACT_ON_CASE = "act_on_case"                  # refund, coupon, reject, change resolution
    REVIEW_TRANSCRIPTS = "review_transcripts"    # read any conversation, handled or not
    METRICS = "metrics"                          # desk and bot figures
    VIEW_POINT_CASES = "view_point_cases"        # the cases of one's own pickup point
    ACT_ON_POINT_CASE = "act_on_point_case"      # confirm on-site handling of those cases
    MANAGE_STAFF = "manage_staff"                # create, disable, change accounts


class Forbidden(PermissionError):
    """The role may not do this."""

    def __init__(self, role: StaffRole | str, permission: Permission | str) -> None:
        self.role = getattr(role, "value", str(role))
        self.permission = getattr(permission, "value", str(permission))
        super().__init__(f"role {self.role!r} may not {self.permission!r}")


_AGENT = frozenset({Permission.VIEW_QUEUE, Permission.REPLY, Permission.ACT_ON_CASE})

PERMISSIONS: dict[StaffRole, frozenset[Permission]] = {
    StaffRole.AGENT: _AGENT,
    StaffRole.LEAD: _AGENT | {Permission.REVIEW_TRANSCRIPTS, Permission.METRICS},
    StaffRole.LEADER: frozenset({Permission.VIEW_POINT_CASES, Permission.ACT_ON_POINT_CASE}),
    StaffRole.ADMIN: frozenset(Permission),
}


def allowed(role: StaffRole | str, permission: Permission | str) -> bool:
    """Whether ``role`` has ``permission``; unknown roles or permissions have nothing."""
    try:
        return Permission(permission) in PERMISSIONS[StaffRole(role)]
    except ValueError:
        return False


def require(role: StaffRole | str, permission: Permission | str) -> None:
    """Raises ``Forbidden`` unless ``role`` has ``permission``."""
    if not allowed(role, permission):
        raise Forbidden(role, permission)

