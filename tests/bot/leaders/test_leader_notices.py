"""The customer hears in their own chat what their leader did: the leader's decision on
their case, or a case the leader opened for them from forwarded chat (bot/leaders/notices.py)."""
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
from bot.leaders.forward_confirming import confirm
from bot.leaders.notices import customer_notices, decision_notices
from bot.orders import recent_lines
from bot.policy import load_policy
from tests.actions.lookups import line_id
from tests.bot.leaders import forward_chat


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


# --------------------------------------------------------------------------- forwarded cases


def test_only_bound_customers_are_told_in_their_own_chat(session, read, liu, now, policy) -> None:
    forward_chat.unbound_shopper(session, now)
    draft = read("小美：草莓烂了一盒\n秀兰奶奶：蓝莓都是烂的")
    done = confirm(session, liu, draft.forward_id, None, now, policy)
    strawberries, blueberries = done.created

    notices = customer_notices(session, [c.id for c in done.created])

    assert blueberries.product_name == "丹东蓝莓"
    assert forward_chat.case(session, blueberries.ref).conversation_id is None
    assert len(notices) == 1
    channel, external_id, text = notices[0]
    assert (channel, external_id) == ("rest", "demo-1")
    assert text.startswith(f"团长已帮您登记售后单 {strawberries.ref}（丹东草莓 1盒），团长会在")
    assert text.endswith("前核实，有结果马上通知您。")


def test_notices_leave_out_cases_customers_opened_themselves(session, now, policy, app_db) -> None:
    xiaomei = forward_chat.customer_id(session, "小美")
    line = next(v for v in recent_lines(session, xiaomei, now) if v.product_name == "丹东草莓")
    own = open_case(session, ClaimDraft(xiaomei, line.line_id, Reason.SPOILED, Decimal("1"),
                                        evidence_id=forward_chat.photo(session, app_db, xiaomei)),
                    now, policy, f"customer:{xiaomei}").case

    assert customer_notices(session, [own.id]) == [] and customer_notices(session, []) == []
