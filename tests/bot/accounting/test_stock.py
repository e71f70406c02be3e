"""The warehouse check (bot.accounting.stock): returned goods that can be sold again go
back to stock, everything else is a loss charged to the responsible party; a check that
does not add up, or of goods that do not come back, is refused."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot import messages
from bot.accounting.stock import WarehouseCheckRefused, on_hand, warehouse_check
from bot.cases.views import case_view
from bot.db import LossEntry, ResponsibleParty, ReturnCase, StockMovement, WarehouseCheck
from bot.db.session import unit_of_work
from bot.enums import Disposition, Reason
from bot.reports import case_report
from tests.bot.accounting.support import make_case, returned_rice

P = ResponsibleParty


def entry_of(session, case: ReturnCase) -> LossEntry | None:
    return session.scalars(select(LossEntry).where(LossEntry.case_id == case.id)).first()


def test_resellable_goods_go_back_to_stock(app_db, now) -> None:
    at = now + timedelta(days=1)
    with unit_of_work() as session:
        case = returned_rice(session, now, reason=Reason.NO_REASON)
        result = warehouse_check(session, case.ref, restocked="1", actor="warehouse:王仓管", at=at)
        assert (result.restocked, result.lost, result.loss_id, result.party) == (
            Decimal("1"), Decimal("0"), None, None)
        movement = session.get(StockMovement, result.movement_id)
        assert (movement.kind, movement.quantity, movement.batch, movement.unit_value) == (
            "return_restock", Decimal("1"), "2026W45-01", Decimal("39.90"))
        assert on_hand(session, movement.product_id) == Decimal("1")
        assert on_hand(session, movement.product_id, "2026W45-01") == Decimal("1")
        assert case.resellable is True and entry_of(session, case) is None
        assert case.events[-1].kind == "warehouse_check"
        assert "仓库已验收退回的商品" in case_report(case_view(case))
        assert messages.EVENT_KIND["warehouse_check"] == "仓库已验收退回的商品"
        check = session.scalars(select(WarehouseCheck)).one()
        assert (check.checked_by, check.checked_at) == ("warehouse:王仓管", at)


def test_goods_that_failed_the_check_are_a_loss(app_db, now) -> None:
    with unit_of_work() as session:
        case = returned_rice(session, now, quantity="1")
        result = warehouse_check(session, case.ref, restocked=0, actor="warehouse:王仓管", at=now,
                                 note="袋子破了，米撒了")
        entry = entry_of(session, case)
        assert (entry.party, entry.source, entry.quantity, entry.note) == (
            P.LOGISTICS, "warehouse", Decimal("1"), "袋子破了，米撒了")
        assert result.movement_id is None and case.resellable is False


def test_a_partial_check_with_the_checkers_fault(app_db, now) -> None:
    with unit_of_work() as session:
        case = make_case(session, "demo-1", "S006", reason=Reason.NO_REASON,
                         disposition=Disposition.RETURN_TRIP, quantity="1", approved_at=now,
                         created_at=now)
        with pytest.raises(WarehouseCheckRefused):
            warehouse_check(session, case.ref, restocked="0.5", lost="0.2", actor="w", at=now)
        result = warehouse_check(session, case.ref, restocked="0.5", fault="storage", actor="w",
                                 at=now)
        assert (result.restocked, result.lost, result.party) == (Decimal("0.5"), Decimal("0.5"),
                                                                 "pickup_point")
        assert entry_of(session, case).amount == Decimal("14.95")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"restocked": "2"}, "应等于"),
        ({"restocked": "-1"}, "不小于0"),
        ({"restocked": "abc"}, "不是数字"),
        ({"restocked": "0.001"}, "两位小数"),
        ({"restocked": "0", "fault": "customer"}, "unknown fault"),
    ],
)
def test_a_check_that_does_not_add_up_is_refused(app_db, now, kwargs, words) -> None:
    with unit_of_work() as session:
        case = returned_rice(session, now)
        with pytest.raises(WarehouseCheckRefused, match=words):
            warehouse_check(session, case.ref, actor="w", at=now, **kwargs)
        assert session.scalars(select(WarehouseCheck)).all() == []


def test_a_case_is_checked_once(app_db, now) -> None:
    with unit_of_work() as session:
        case = returned_rice(session, now)
        warehouse_check(session, case.ref, restocked="1", actor="w", at=now)
        with pytest.raises(WarehouseCheckRefused, match="已经验过货"):
            warehouse_check(session, case.ref.lower(), restocked="0", actor="w", at=now)
        assert len(session.scalars(select(StockMovement)).all()) == 1


def test_goods_that_never_come_back_or_were_never_approved_are_not_checked(app_db, now) -> None:
    with unit_of_work() as session:
        on_site = make_case(session, "demo-1", "F001", reason=Reason.SPOILED,
                            disposition=Disposition.ON_SITE, approved_at=now, created_at=now,
                            rule_id="fresh.quality_window")
        pending = returned_rice(session, now, approved=False)
        for ref, words in ((on_site.ref, "不退回仓库"), (pending.ref, "没有同意退货"),
                           ("R999999", "没有售后单")):
            with pytest.raises(WarehouseCheckRefused, match=words):
                warehouse_check(session, ref, restocked="1", actor="w", at=now)
