"""Migration 0008 turns the refunds recorded before it into ledger rows (order line,
customer, key, line totals), and downgrading takes the ledger away again."""
from __future__ import annotations

from alembic import command
from sqlalchemy import text

from bot.db.migrate import alembic_config
from bot.db.session import create_db_engine

T = "'2026-11-20 08:00:00'"
SHOP = [
    "INSERT INTO pickup_points (id, code, name, address, opening_hours) VALUES "
    "(1, 'PP01', '幸福里', '幸福路1号', '08:00-21:00')",
    "INSERT INTO suppliers (id, code, name) VALUES (1, 'SUP01', '丹东草莓合作社')",
    f"INSERT INTO customers (id, name, phone, pickup_point_id, created_at) VALUES "
    f"(1, '王小美', '13800004571', 1, {T})",
    "INSERT INTO products (id, sku, name, aliases, category, price, unit, supplier_id, batch) "
    "VALUES (1, 'F001', '丹东草莓', '[]', 'fresh', 29.90, '盒', 1, 'B1')",
    f"INSERT INTO orders (id, order_no, customer_id, pickup_point_id, pickup_code, placed_at) "
    f"VALUES (1, 'MT000001', 1, 1, '1234', {T})",
    "INSERT INTO order_lines (id, order_id, product_id, quantity, unit_price, stage) VALUES "
    "(1, 1, 1, 2, 29.90, 'picked_up'), (2, 1, 1, 1, 29.90, 'picked_up')",
]


def _case(case_id: int, line_id: int, state: str) -> str:
    return (
        "INSERT INTO return_cases (id, ref, customer_id, order_line_id, state, reason, "
        "quantity_affected, resolution, resellable, disposition, review, rule_id, "
        "decision_text, refund_amount, compensation, risk_flags, priority, urge_count, "
        f"escalated, source, created_at, updated_at) VALUES ({case_id}, 'R{1000 + case_id}', 1, "
        f"{line_id}, '{state}', 'spoiled', 1, 'refund_original', false, 'on_site', 'auto', "
        f"'fresh.quality', '...', 29.90, 3, '[]', 0, 0, false, 'customer', {T}, {T})")


def _rows(url: str, sql: str) -> list[tuple]:
    engine = create_db_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(sql))]
    engine.dispose()
    return rows


def _run(url: str, *statements: str) -> None:
    engine = create_db_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def round_trip(url: str) -> None:
    """Upgrade with refunds in place, check the backfill and the cap, downgrade, upgrade."""
    config = alembic_config(url)
    command.upgrade(config, "0007")
    _run(url, *SHOP, _case(1, 1, "refund_pending"), _case(2, 1, "refunded"),
         _case(3, 2, "refund_pending"),
         f"INSERT INTO refunds (id, case_id, amount, method, state, created_at) VALUES "
         f"(1, 1, 29.90, 'refund_original', 'pending', {T}), "
         f"(2, 2, 20.00, 'refund_balance', 'paid', {T}), "
         f"(3, 3, 5.00, 'coupon', 'cancelled', {T})")

    command.upgrade(config, "0008")

    assert _rows(url, "SELECT id, order_line_id, customer_id, out_refund_no, attempts, "
                      "state FROM refunds ORDER BY id") == [
        (1, 1, 1, "R1001-1", 0, "pending"), (2, 1, 1, "R1002-2", 0, "paid"),
        (3, 2, 1, "R1003-3", 0, "cancelled")]
    assert _rows(url, "SELECT order_line_id, paid_cents, refunded_cents FROM "
                      "order_line_refund_totals ORDER BY order_line_id") == [
        (1, 5980, 4990), (2, 2990, 0)]
    # The cap holds from now on, in the database.
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE order_line_refund_totals SET refunded_cents = 6000 "
                                    "WHERE order_line_id = 1"))
        raise AssertionError("the CHECK constraint should have refused")
    except Exception as error:  # noqa: BLE001 (IntegrityError on both databases)
        assert "check" in str(error).lower() or "constraint" in str(error).lower()
    finally:
        engine.dispose()

    command.downgrade(config, "0007")

    assert _rows(url, "SELECT id, case_id, amount, state FROM refunds ORDER BY id")[0][:2] == (
        1, 1)
    tables = {row[0] for row in _rows(url, _TABLES[make_dialect(url)])}
    assert not {"order_line_refund_totals", "balance_entries", "customer_balances",
                "refund_attempts"} & tables
    command.upgrade(config, "0008")
    assert _rows(url, "SELECT count(*) FROM order_line_refund_totals") == [(2,)]


_TABLES = {"sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
           "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"}


def make_dialect(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def test_refunds_made_before_the_ledger_are_carried_over_and_back(tmp_path):
    round_trip(f"sqlite:///{tmp_path / 'ledger.db'}")


def test_refunds_above_what_was_paid_stop_the_migration(tmp_path):
    url = f"sqlite:///{tmp_path / 'over.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0007")
    _run(url, *SHOP, _case(1, 2, "refund_pending"), _case(2, 2, "refund_pending"),
         f"INSERT INTO refunds (id, case_id, amount, method, state, created_at) VALUES "
         f"(1, 1, 29.90, 'refund_original', 'pending', {T}), "
         f"(2, 2, 29.90, 'refund_original', 'pending', {T})")
    try:
        command.upgrade(config, "0008")
        raise AssertionError("the migration should have stopped")
    except RuntimeError as error:
        assert "order lines [2]" in str(error)
    assert _rows(url, "SELECT version_num FROM alembic_version") == [("0007",)]
