"""The customer hears in their own chat what their leader decided."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.cases import ClaimDraft, open_case
from bot.customers import identify
from bot.db import LeaderIdentity, TaskDecision
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.enums import Reason
from bot.leaders import first_check
from bot.leaders.notices import decision_notices
from bot.policy import load_policy
from tests.actions.lookups import line_id


def _case(reason: Reason = Reason.MISSING) -> tuple[int, str]:
    with unit_of_work() as session:
        customer_id = identify(session, "rest", "demo-1").id
        draft = ClaimDraft(customer_id=customer_id, line_id=line_id("demo-1", "丹东草莓"),
                           reason=reason, quantity_affected=Decimal(1))
        case = open_case(session, draft, utcnow(), load_policy(), "customer:test").case
        return case.id, case.ref


def _leader_of_demo_1() -> int:
    with unit_of_work() as session:
        return session.scalars(select(LeaderIdentity.leader_id)
                               .where(LeaderIdentity.external_id == "leader-1")).one()


def test_an_approval_is_told_in_the_customers_chat(app_db):
    case_id, ref = _case()
    with unit_of_work() as session:
        assert decision_notices(session, case_id) == [], "nothing before a decision"
        first_check.decide(session, _leader_of_demo_1(), ref, TaskDecision.APPROVED,
                           now=utcnow(), policy=load_policy())
        [notice] = decision_notices(session, case_id)
    assert (notice.channel, notice.external_id) == ("rest", "demo-1")
    assert ref in notice.text and "已同意退款" in notice.text


def test_a_rejection_tells_the_reason(app_db):
    case_id, ref = _case()
    with unit_of_work() as session:
        first_check.decide(session, _leader_of_demo_1(), ref, TaskDecision.REJECTED,
                           now=utcnow(), policy=load_policy(), reason="数过了，一盒不少")
        [notice] = decision_notices(session, case_id)
    assert "未通过" in notice.text and "数过了，一盒不少" in notice.text
