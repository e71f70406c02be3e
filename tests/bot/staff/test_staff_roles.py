"""What each role may do on the desk."""
from __future__ import annotations

import pytest

from bot.db.staff import StaffRole
from bot.staff.roles import PERMISSIONS, Forbidden, Permission, allowed, require


def test_the_table():
    agent = {Permission.VIEW_QUEUE, Permission.REPLY, Permission.ACT_ON_CASE}
    assert PERMISSIONS[StaffRole.AGENT] == agent
    assert PERMISSIONS[StaffRole.LEAD] == agent | {Permission.REVIEW_TRANSCRIPTS,
                                                   Permission.METRICS}
    assert PERMISSIONS[StaffRole.LEADER] == {Permission.VIEW_POINT_CASES,
                                             Permission.ACT_ON_POINT_CASE}
    assert PERMISSIONS[StaffRole.ADMIN] == set(Permission)
    assert set(PERMISSIONS) == set(StaffRole)


@pytest.mark.parametrize(("role", "permission"), [
    (StaffRole.AGENT, Permission.REVIEW_TRANSCRIPTS),
    (StaffRole.AGENT, Permission.MANAGE_STAFF),
    (StaffRole.LEAD, Permission.MANAGE_STAFF),
    (StaffRole.LEADER, Permission.VIEW_QUEUE),
    (StaffRole.LEADER, Permission.REPLY),
])
def test_require_refuses_what_the_role_lacks(role, permission):
    with pytest.raises(Forbidden) as refused:
        require(role, permission)
    assert (refused.value.role, refused.value.permission) == (role.value, permission.value)


def test_require_passes_and_accepts_stored_strings():
    require(StaffRole.ADMIN, Permission.MANAGE_STAFF)
    require("lead", "metrics")
    require("leader", "view_point_cases")


def test_unknown_roles_and_permissions_have_nothing():
    assert not allowed("root", Permission.VIEW_QUEUE)
    assert not allowed(StaffRole.ADMIN, "format_disk")
    with pytest.raises(Forbidden):
        require("root", "view_queue")
