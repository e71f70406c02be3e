"""The loss ledger (bot.accounting.losses): who is responsible for lost goods, goods
disposed of on site or missing are a loss once the case is approved, a loss can be moved
to another party and settled; and the command lines of the warehouse and the ledger."""
from __future__ import annotations

from datetime import timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.accounting import losses, stock
from bot.accounting.losses import (
    LossError,
    book_case_loss,
    book_pending_losses,
    reassign_loss,
    responsible_party,
    settle_loss,
)
from bot.cases import ClaimDraft, open_case
from bot.cases.states import add_event
from bot.db import AuditEntry, LossState, ResponsibleParty, WarehouseCheck
from bot.db.session import unit_of_work
from bot.enums import CaseState, Disposition, Reason, Resolution, Review
from bot.evidence import store_photo
from bot.orders import recent_lines
from bot.policy import load_policy
from tests.bot.accounting.support import customer, make_case, returned_rice
from tests.images import encode, photo

P = ResponsibleParty


# ---------------------------------------------------------------- who is responsible


@pytest.mark.parametrize(
    ("reason", "fault", "party", "basis"),
    [
        (Reason.SPOILED, None, P.SUPPLIER, "reason:spoiled"),
        (Reason.DAMAGED, None, P.LOGISTICS, "reason:damaged"),
        (Reason.WRONG_ITEM, None, P.LOGISTICS, "reason:wrong_item"),
        (Reason.MISSING, None, P.LOGISTICS, "reason:missing"),
        (Reason.NO_REASON, None, P.PLATFORM, "reason:no_reason"),
        (Reason.DAMAGED, "storage", P.PICKUP_POINT, "fault:storage"),
        (Reason.SPOILED, "storage", P.PICKUP_POINT, "fault:storage"),
        (Reason.DAMAGED, "quality", P.SUPPLIER, "fault:quality"),
        (Reason.SPOILED, "unknown", P.PLATFORM, "fault:unknown"),
        (Reason.NO_REASON, "transit", P.LOGISTICS, "fault:transit"),
    ],
)
def test_the_responsible_party(reason, fault, party, basis) -> None:
    assert responsible_party(reason, fault) == (party, basis)


def test_an_unknown_fault_is_refused() -> None:
    with pytest.raises(LossError):
        responsible_party(Reason.SPOILED, "the customer")


# ---------------------------------------------------------------- disposed goods


def test_strawberries_disposed_on_site_are_the_suppliers_loss(app_db, now) -> None:
    policy = load_policy()
    with unit_of_work() as session:
        line = next(item for item in recent_lines(session, customer(session, "demo-1"), now)
                    if item.product_name == "丹东草莓")
        evidence = store_photo(session, encode(photo("mould"), "JPEG"),
                               customer_id=customer(session, "demo-1"),
                               evidence_dir=app_db.data_dir / "evidence").id
        draft = ClaimDraft(customer(session, "demo-1"), line.line_id, Reason.SPOILED,
                           Decimal("1"), evidence_id=evidence,
                           resolution=Resolution.REFUND_BALANCE)
        case = open_case(session, draft, now, policy, "customer:demo-1").case
        assert case.review is Review.AUTO
        [entry] = book_pending_losses(session)
        assert (entry.party, entry.basis, entry.source, entry.state) == (
            P.SUPPLIER, "reason:spoiled", "on_site", LossState.OPEN)
        assert (entry.quantity, entry.unit_value, entry.amount, entry.batch) == (
            Decimal("1"), Decimal("29.90"), Decimal("29.90"), "2026W47-03")
        assert entry.booked_at == now  # when the goods were lost: the approval
        assert book_pending_losses(session) == []  # once per case
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "loss.booked")).one()
        assert audit.detail["party"] == "supplier" and audit.detail["amount"] == "29.90"


def test_missing_goods_are_charged_to_logistics(app_db, now) -> None:
    with unit_of_work() as session:
        case = make_case(session, "demo-1", "F012", reason=Reason.MISSING,
                         disposition=Disposition.NONE, approved_at=now, created_at=now,
                         rule_id="fresh.quality_window")
        entry = book_case_loss(session, case)
        assert (entry.party, entry.source, entry.amount) == (P.LOGISTICS, "missing",
                                                             Decimal("32.80"))


def test_the_leaders_disposition_dates_the_loss(app_db, now) -> None:
    with unit_of_work() as session:
        case = make_case(session, "demo-1", "F019", reason=Reason.DAMAGED,
                         disposition=Disposition.ON_SITE, approved_at=now, created_at=now,
                         rule_id="fresh.quality_window")
        add_event(session, case, actor="leader:1", kind="disposition", at=now + timedelta(hours=3),
                  note="on_site")
        entry = book_case_loss(session, case)
        assert entry.booked_at == now + timedelta(hours=3) and entry.party is P.LOGISTICS


@pytest.mark.parametrize(
    ("approved", "state", "disposition", "rule_id"),
    [
        (False, None, Disposition.ON_SITE, "fresh.quality_window"),  # not approved yet
        (False, CaseState.REJECTED, Disposition.ON_SITE, "fresh.quality_window"),
        (True, CaseState.CANCELLED, Disposition.ON_SITE, "fresh.quality_window"),  # withdrawn
        (True, None, Disposition.NONE, "before_pickup.cancel"),  # a presale cancellation
        (True, None, Disposition.RETURN_TRIP, "standard.quality_window"),  # checked at the warehouse
    ],
)
def test_no_loss_is_booked_for(app_db, now, approved, state, disposition, rule_id) -> None:
    with unit_of_work() as session:
        case = make_case(session, "demo-1", "F001", reason=Reason.SPOILED,
                         disposition=disposition, approved_at=now if approved else None,
                         state=state, created_at=now, rule_id=rule_id)
        assert book_case_loss(session, case) is None
        assert book_pending_losses(session) == []


def test_a_loss_can_be_moved_to_the_pickup_point_then_settled(app_db, now) -> None:
    later = now + timedelta(days=2)
    with unit_of_work() as session:
        case = make_case(session, "demo-1", "F019", reason=Reason.DAMAGED,
                         disposition=Disposition.ON_SITE, approved_at=now, created_at=now,
                         rule_id="fresh.quality_window")
        entry = book_case_loss(session, case)
        reassign_loss(session, entry.id, "storage", actor="staff:3", at=later, note="冰柜坏了")
        assert (entry.party, entry.basis) == (P.PICKUP_POINT, "fault:storage")
        settle_loss(session, entry.id, actor="staff:3", at=later, note="团长已赔付")
        assert (entry.state, entry.settled_at, entry.settled_by) == (LossState.SETTLED, later,
                                                                     "staff:3")
        with pytest.raises(LossError):
            reassign_loss(session, entry.id, "unknown", actor="staff:3", at=later)
        with pytest.raises(LossError):
            settle_loss(session, entry.id, actor="staff:3", at=later)
        actions = session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("loss.%")).order_by(AuditEntry.id)).all()
        assert actions == ["loss.booked", "loss.reassigned", "loss.settled"]


# ---------------------------------------------------------------- command lines


def test_the_command_lines(app_db, now, capsys) -> None:
    with unit_of_work() as session:
        rice = returned_rice(session, now)
        ref = rice.ref
        make_case(session, "demo-1", "F001", reason=Reason.SPOILED, disposition=Disposition.ON_SITE,
                  approved_at=now, created_at=now, rule_id="fresh.quality_window")
    assert stock.main(["check", ref, "--restocked", "1", "--by", "王仓管"]) == 0
    assert stock.main(["check", ref, "--restocked", "1", "--by", "王仓管"]) == 2
    assert stock.main(["on-hand", "S001"]) == 0
    assert losses.main(["book"]) == 0
    day = now.astimezone(timezone.utc).date().isoformat()
    assert losses.main(["report", "--from", day, "--to", day]) == 0
    out = capsys.readouterr().out
    assert f"{ref}: restocked 1, lost 0" in out and "refused: " in out and "东北大米 1.00袋" in out
    assert "booked 1 losses" in out and "损失合计 ¥29.90（1 笔）" in out
    with unit_of_work() as session:
        check = session.scalars(select(WarehouseCheck)).one()
        assert check.checked_by == "warehouse:王仓管"
