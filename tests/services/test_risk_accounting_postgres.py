"""Photo checks and the loss/stock ledgers on PostgreSQL: signed 64-bit hashes in BIGINT,
band lookups, and the once-per-case rules under concurrent writers."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import func, select

from bot.accounting.losses import book_pending_losses
from bot.accounting.stock import WarehouseCheckRefused, warehouse_check
from bot.cases.states import add_event, transition
from bot.customers import identify
from bot.db import Evidence, LossEntry, OrderLine, Product, ReturnCase, StockMovement
from bot.db.base import utcnow
from bot.db.migrate import alembic_config, upgrade
from bot.db.session import get_sessionmaker, unit_of_work
from bot.enums import CaseState, Disposition, Reason, Review
from bot.evidence import store_photo
from bot.evidence.fingerprint import bands
from bot.policy import load_policy
from bot.risk.photos import check_photo
from bot.seed import seed_demo
from bot.settings import get_settings
from tests.images import encode, photo, variant

pytestmark = pytest.mark.services


@pytest.fixture
def on_postgres(postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:
    """The application pointed at a migrated, seeded PostgreSQL database."""
    command.downgrade(alembic_config(postgres_url), "base")
    upgrade(postgres_url)
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    get_sessionmaker.cache_clear()
    with unit_of_work() as session:
        seed_demo(session, utcnow())
    yield postgres_url
    get_sessionmaker().kw["bind"].dispose()
    get_settings.cache_clear()
    get_sessionmaker.cache_clear()


def _store(session, external_id: str, data: bytes) -> int:
    return store_photo(session, data, customer_id=identify(session, "rest", external_id).id,
                       evidence_dir=get_settings().evidence_dir).id


def test_an_edited_copy_is_found_on_postgres(on_postgres) -> None:
    original = photo("postgres-original")
    with unit_of_work() as session:
        first = _store(session, "demo-2", encode(original, "JPEG"))
        copy = _store(session, "demo-1", encode(variant(original, "all"), "JPEG"))
        distinct = _store(session, "demo-1", encode(photo("postgres-other"), "JPEG"))
    with unit_of_work() as session:
        row = session.get(Evidence, first)
        assert (row.phash_band0, row.phash_band1, row.phash_band2, row.phash_band3) == bands(row.phash)
        assert [m.evidence_id for m in check_photo(session, copy, None, load_policy()).matches] \
            == [first]
        assert check_photo(session, distinct, None, load_policy()).matches == ()


def test_negative_hashes_round_trip(on_postgres) -> None:
    with unit_of_work() as session:
        ids = [_store(session, "demo-1", encode(photo(f"sign-{seed}"), "PNG")) for seed in range(8)]
    with unit_of_work() as session:
        hashes = [session.get(Evidence, i).phash for i in ids]
    assert any(h < 0 for h in hashes) and all(-(2**63) <= h < 2**63 for h in hashes)


def _approved_case(session, sku: str, disposition: Disposition) -> str:
    customer = identify(session, "rest", "demo-2").id
    line = next(line for line in session.scalars(select(OrderLine).join(Product)
                                                 .where(Product.sku == sku))
                if line.order.customer_id == customer)
    now = utcnow()
    case = ReturnCase(customer_id=customer, order_line_id=line.id, state=CaseState.SUBMITTED,
                      reason=Reason.DAMAGED, quantity_affected=Decimal("1"),
                      disposition=disposition, review=Review.PLATFORM,
                      rule_id="standard.quality_window", decision_text="",
                      refund_amount=line.unit_price, created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    case.ref = f"R{8000 + case.id}"
    add_event(session, case, actor="bot", kind="created", at=now, to_state=CaseState.SUBMITTED)
    transition(session, case, CaseState.APPROVED, actor="staff:1", at=now + timedelta(seconds=1))
    return case.ref


def _race(work, count: int = 4) -> list:
    barrier, results = threading.Barrier(count), []

    def runner() -> None:
        barrier.wait()
        try:
            results.append(work())
        except Exception as error:  # noqa: BLE001 (collected for the assertions)
            results.append(error)

    threads = [threading.Thread(target=runner) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_bookings_book_each_loss_once(on_postgres) -> None:
    with unit_of_work() as session:
        _approved_case(session, "F001", Disposition.ON_SITE)

    def book() -> int:
        with unit_of_work() as session:
            return len(book_pending_losses(session))

    results = _race(book)
    assert not [r for r in results if isinstance(r, Exception)], results
    with unit_of_work() as session:
        assert session.scalar(select(func.count(LossEntry.id))) == 1


def test_concurrent_warehouse_checks_record_one(on_postgres) -> None:
    with unit_of_work() as session:
        ref = _approved_case(session, "S001", Disposition.RETURN_TRIP)

    def check():
        with unit_of_work() as session:
            return warehouse_check(session, ref, restocked="1", actor="warehouse:test",
                                   at=utcnow())

    results = _race(check)
    refused = [r for r in results if isinstance(r, WarehouseCheckRefused)]
    assert len(refused) == len(results) - 1, results
    with unit_of_work() as session:
        assert session.scalar(select(func.count(StockMovement.id))) == 1
