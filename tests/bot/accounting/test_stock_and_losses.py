"""Returned goods: the warehouse check puts resellable goods back in stock, everything
else is a loss charged to the responsible party; losses accumulate per supplier batch
and the losses section of the reconciliation balances (bot.accounting)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot import messages
from bot.accounting import losses, stock
from bot.accounting.losses import (
    LossError,
    batch_losses,
    book_case_loss,
    book_pending_losses,
    losses_section,
    reassign_loss,
    responsible_party,
    settle_loss,
)
from bot.accounting.stock import WarehouseCheckRefused, on_hand, warehouse_check
from bot.cases import ClaimDraft, open_case
from bot.cases.states import add_event, transition
from bot.cases.views import case_view
from bot.customers import identify
from bot.db import (
    AuditEntry,
    LossEntry,
    LossState,
    OrderLine,
    Product,
    ResponsibleParty,
    ReturnCase,
    StockMovement,
    SupplierIncident,
    WarehouseCheck,
)
from bot.db.session import unit_of_work
from bot.enums import CaseState, Disposition, Reason, Resolution, Review
from bot.evidence import store_photo
from bot.orders import recent_lines
from bot.policy import load_policy
from bot.reports import case_report
from tests.images import encode, photo

P = ResponsibleParty


@pytest.fixture
def now(app_db) -> datetime:
    return app_db.seeded_at + timedelta(minutes=5)


def customer(session, external_id: str) -> int:
    return identify(session, "rest", external_id).id


def make_case(session, external_id: str, sku: str, *, reason: Reason, disposition: Disposition,
              quantity: str = "1", approved_at: datetime | None, state: CaseState | None = None,
              rule_id: str = "standard.quality_window", created_at: datetime) -> ReturnCase:
    """A case on the customer's line of ``sku``, approved at ``approved_at`` (None: not)."""
    customer_id = customer(session, external_id)
    line = session.scalars(select(OrderLine).join(Product).where(Product.sku == sku)
                           .order_by(OrderLine.id)).all()
    line = next(item for item in line if item.order.customer_id == customer_id)
    case = ReturnCase(customer_id=customer_id, order_line_id=line.id, state=CaseState.SUBMITTED,
                      reason=reason, quantity_affected=Decimal(quantity), disposition=disposition,
                      review=Review.PLATFORM, rule_id=rule_id, decision_text="",
                      refund_amount=line.unit_price * Decimal(quantity),
                      resellable=disposition is Disposition.RETURN_TRIP,
                      created_at=created_at, updated_at=created_at)
    session.add(case)
    session.flush()
    case.ref = f"R{5000 + case.id}"
    add_event(session, case, actor="bot", kind="created", at=created_at,
              to_state=CaseState.SUBMITTED)
    if reason.is_quality:
        product = line.product
        session.add(SupplierIncident(supplier_id=product.supplier_id, product_id=product.id,
                                     batch=product.batch, case_id=case.id, reason=reason,
                                     created_at=created_at))
    if approved_at is not None:
        transition(session, case, CaseState.APPROVED, actor="staff:1", at=approved_at)
    if state is not None and state is not case.state:
        transition(session, case, state, actor="staff:1", at=approved_at or created_at)
    session.flush()
    return case


def entry_of(session, case: ReturnCase) -> LossEntry | None:
    return session.scalars(select(LossEntry).where(LossEntry.case_id == case.id)).first()


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


# ---------------------------------------------------------------- warehouse check


def _rice(session, now, *, reason=Reason.DAMAGED, quantity="1", approved=True) -> ReturnCase:
    return make_case(session, "demo-2", "S001", reason=reason,
                     disposition=Disposition.RETURN_TRIP, quantity=quantity,
                     approved_at=now if approved else None, created_at=now)


def test_resellable_goods_go_back_to_stock(app_db, now) -> None:
    at = now + timedelta(days=1)
    with unit_of_work() as session:
        case = _rice(session, now, reason=Reason.NO_REASON)
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
        case = _rice(session, now, quantity="1")
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
        case = _rice(session, now)
        with pytest.raises(WarehouseCheckRefused, match=words):
            warehouse_check(session, case.ref, actor="w", at=now, **kwargs)
        assert session.scalars(select(WarehouseCheck)).all() == []


def test_a_case_is_checked_once(app_db, now) -> None:
    with unit_of_work() as session:
        case = _rice(session, now)
        warehouse_check(session, case.ref, restocked="1", actor="w", at=now)
        with pytest.raises(WarehouseCheckRefused, match="已经验过货"):
            warehouse_check(session, case.ref.lower(), restocked="0", actor="w", at=now)
        assert len(session.scalars(select(StockMovement)).all()) == 1


def test_goods_that_never_come_back_or_were_never_approved_are_not_checked(app_db, now) -> None:
    with unit_of_work() as session:
        on_site = make_case(session, "demo-1", "F001", reason=Reason.SPOILED,
                            disposition=Disposition.ON_SITE, approved_at=now, created_at=now,
                            rule_id="fresh.quality_window")
        pending = _rice(session, now, approved=False)
        for ref, words in ((on_site.ref, "不退回仓库"), (pending.ref, "没有同意退货"),
                           ("R999999", "没有售后单")):
            with pytest.raises(WarehouseCheckRefused, match=words):
                warehouse_check(session, ref, restocked="1", actor="w", at=now)


# ---------------------------------------------------------------- per batch and the report


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
        rice = _rice(session, now)
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


def test_the_command_lines(app_db, now, capsys) -> None:
    with unit_of_work() as session:
        rice = _rice(session, now)
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
