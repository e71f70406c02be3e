"""The losses section of the reconciliation (bot.accounting.loss_report): quality
incidents and losses accumulate per supplier batch, the section balances after a day of
cases, and says what does not balance."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.accounting.loss_report import batch_losses, losses_section
from bot.accounting.losses import book_case_loss, book_pending_losses
from bot.accounting.stock import warehouse_check
from bot.cases.states import transition
from bot.db import Product
from bot.db.session import unit_of_work
from bot.enums import CaseState, Disposition, Reason
from tests.bot.accounting.support import make_case, returned_rice


def _spoiled_on_site(session, external_id: str, sku: str, now, reason=Reason.SPOILED):
    return make_case(session, external_id, sku, reason=reason, disposition=Disposition.ON_SITE,
                     approved_at=now, created_at=now, rule_id="fresh.quality_window")


def test_incidents_and_losses_accumulate_per_batch(app_db, now) -> None:
    start, end = now - timedelta(days=1), now + timedelta(days=1)
    with unit_of_work() as session:
        _spoiled_on_site(session, "demo-1", "F001", now)  # strawberries, batch 2026W47-03
        _spoiled_on_site(session, "demo-2", "F001", now)
        _spoiled_on_site(session, "demo-5", "F002", now)  # blueberries, same supplier
        _spoiled_on_site(session, "demo-1", "F012", now, Reason.DAMAGED)  # eggs: logistics
        # The next strawberry batch arrives: its incidents count apart.
        session.scalars(select(Product).where(Product.sku == "F001")).one().batch = "2026W48-01"
        _spoiled_on_site(session, "demo-5", "F001", now)
        book_pending_losses(session)
        rows = {(r.supplier_code, r.product, r.batch): r for r in batch_losses(session, start, end)}
    strawberries = rows[("SUP01", "丹东草莓", "2026W47-03")]
    assert (strawberries.incidents, strawberries.quantity, strawberries.amount,
            strawberries.supplier_amount) == (2, Decimal("2"), Decimal("59.80"), Decimal("59.80"))
    assert rows[("SUP01", "丹东草莓", "2026W48-01")].incidents == 1
    assert rows[("SUP01", "丹东蓝莓", "2026W47-02")].incidents == 1
    eggs = rows[("SUP03", "土鸡蛋", "2026W47-06")]
    assert (eggs.incidents, eggs.amount, eggs.supplier_amount) == (1, Decimal("32.80"),
                                                                   Decimal("0.00"))
    assert list(rows)[0] == ("SUP01", "丹东草莓", "2026W47-03")  # most costly first


def test_the_losses_section_balances_after_a_day_of_cases(app_db, now) -> None:
    start, end = now - timedelta(hours=1), now + timedelta(days=2)
    with unit_of_work() as session:
        make_case(session, "demo-1", "F001", reason=Reason.SPOILED, disposition=Disposition.ON_SITE,
                  approved_at=now, created_at=now, rule_id="fresh.quality_window")
        make_case(session, "demo-1", "F012", reason=Reason.MISSING, disposition=Disposition.NONE,
                  approved_at=now, created_at=now, rule_id="fresh.quality_window")
        rice = returned_rice(session, now)
        warehouse_check(session, rice.ref, restocked="0", fault="storage", actor="w",
                        at=now + timedelta(hours=20))
        detergent = make_case(session, "demo-1", "S006", reason=Reason.NO_REASON,
                              disposition=Disposition.RETURN_TRIP, approved_at=now, created_at=now)
        warehouse_check(session, detergent.ref, restocked="1", actor="w", at=now)
        section = losses_section(session, start, end)  # books the on-site and missing goods
        assert section.balanced, section.problems
        assert section.totals == {"supplier": Decimal("29.90"), "logistics": Decimal("32.80"),
                                  "pickup_point": Decimal("39.90"), "platform": Decimal("0.00")}
        text = "\n".join(section.lines)
        assert "损失合计 ¥102.60（3 笔）" in text and "自提点（团长）" in text
        assert "SUP01 丹东草莓 批次 2026W47-03：1 次 / ¥29.90 / ¥29.90" in text


def test_the_losses_section_reports_what_does_not_balance(app_db, now) -> None:
    start, end = now - timedelta(hours=1), now + timedelta(days=1)
    with unit_of_work() as session:
        case = make_case(session, "demo-1", "F001", reason=Reason.SPOILED,
                         disposition=Disposition.ON_SITE, approved_at=now, created_at=now,
                         rule_id="fresh.quality_window")
        entry = book_case_loss(session, case)
        entry.amount = Decimal("99.00")
        transition(session, case, CaseState.CANCELLED, actor="customer:1", at=now)
        unbooked = make_case(session, "demo-1", "F019", reason=Reason.SPOILED,
                             disposition=Disposition.ON_SITE, approved_at=now, created_at=now,
                             rule_id="fresh.quality_window")
        section = losses_section(session, start, end, book=False)
        assert not section.balanced
        problems = "\n".join(section.problems)
        assert "金额 99.00 ≠ 数量 1 × 单价 29.90" in problems
        assert "状态是「已撤销」" in problems and f"售后单 {unbooked.ref}" in problems
