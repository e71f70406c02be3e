"""Refund ledger, store balance ledger and payout attempts (issue 8).

``refunds`` grows into the ledger: the order line and customer it pays, the idempotency
key sent to the gateway (``out_refund_no``), attempts, retry schedule, the gateway's answer,
the manual follow-up and the customer notice. New: ``refund_attempts`` (every gateway
call), ``order_line_refund_totals`` (the per-line cap, enforced by a CHECK and conditional
updates), ``customer_balances`` and ``balance_entries`` (store balance), and on ``coupons``
the redemption plus a partial unique index: one compensation coupon per case.

Existing refunds keep their state; their line totals are backfilled (the migration stops,
naming the lines, if refunds already exceed what was paid for one).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""
from decimal import ROUND_HALF_UP, Decimal

from alembic import op
import sqlalchemy as sa

import bot.db.base


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_CENT = Decimal("0.01")


def _cents(value) -> int:
    return int((Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP) * 100))


def _backfill_refunds(bind) -> None:
    """Order line, customer and a key for refunds made before the ledger; their totals."""
    rows = bind.execute(sa.text(
        "SELECT r.id, r.amount, r.state, c.order_line_id, c.customer_id, c.ref, "
        "ol.unit_price, ol.quantity "
        "FROM refunds r JOIN return_cases c ON c.id = r.case_id "
        "JOIN order_lines ol ON ol.id = c.order_line_id ORDER BY r.id")).fetchall()
    totals: dict[int, list[int]] = {}
    for row in rows:
        bind.execute(sa.text(
            "UPDATE refunds SET order_line_id = :line, customer_id = :customer, "
            "out_refund_no = :key WHERE id = :id"),
            {"line": row.order_line_id, "customer": row.customer_id,
             "key": f"{row.ref or 'RF'}-{row.id}", "id": row.id})
        paid = _cents(Decimal(str(row.unit_price)) * Decimal(str(row.quantity)))
        total = totals.setdefault(row.order_line_id, [paid, 0])
        if row.state != "cancelled":
            total[1] += _cents(row.amount)
    over = sorted(line for line, (paid, refunded) in totals.items() if refunded > paid)
    if over:
        raise RuntimeError(f"refunds exceed what was paid for order lines {over}; "
                           "correct them before migrating")
    for line, (paid, refunded) in totals.items():
        bind.execute(sa.text(
            "INSERT INTO order_line_refund_totals (order_line_id, paid_cents, refunded_cents) "
            "VALUES (:line, :paid, :refunded)"),
            {"line": line, "paid": paid, "refunded": refunded})


def upgrade() -> None:
    op.create_table('order_line_refund_totals',
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('paid_cents', sa.Integer(), nullable=False),
    sa.Column('refunded_cents', sa.Integer(), nullable=False),
    sa.Column('updated_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('refunded_cents >= 0', name=op.f('ck_order_line_refund_totals_refunded_not_negative')),
    sa.CheckConstraint('refunded_cents <= paid_cents', name=op.f('ck_order_line_refund_totals_refunded_within_paid')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_order_line_refund_totals_order_line_id_order_lines')),
    sa.PrimaryKeyConstraint('order_line_id', name=op.f('pk_order_line_refund_totals'))
    )
    op.create_table('customer_balances',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('balance_cents', sa.Integer(), nullable=False),
    sa.Column('updated_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('balance_cents >= 0', name=op.f('ck_customer_balances_balance_not_negative')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_balances_customer_id_customers')),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_balances'))
    )

    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redeemed_at', bot.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('redeemed_order', sa.String(length=30), nullable=True))
        batch_op.create_index('uq_coupons_compensation_case', ['case_id'], unique=True,
                              sqlite_where=sa.text("kind = 'compensation'"),
                              postgresql_where=sa.text("kind = 'compensation'"))

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_line_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('out_refund_no', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', bot.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lease_until', bot.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('uncertain', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('gateway_answer', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('failure', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('manual_reason', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('manual_note', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('paid_by', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('coupon_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notify', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('notified_at', bot.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_at', bot.db.base.UTCDateTime(timezone=True), nullable=True))

    _backfill_refunds(op.get_bind())

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.alter_column('order_line_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('out_refund_no', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('attempts', existing_type=sa.Integer(), server_default=None)
        batch_op.alter_column('uncertain', existing_type=sa.Boolean(), server_default=None)
        batch_op.create_unique_constraint(batch_op.f('uq_refunds_out_refund_no'), ['out_refund_no'])
        batch_op.create_unique_constraint(batch_op.f('uq_refunds_coupon_id'), ['coupon_id'])
        batch_op.create_foreign_key(batch_op.f('fk_refunds_order_line_id_order_lines'), 'order_lines', ['order_line_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_refunds_customer_id_customers'), 'customers', ['customer_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_refunds_coupon_id_coupons'), 'coupons', ['coupon_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_refunds_amount_positive'), 'amount > 0')
        batch_op.create_check_constraint(batch_op.f('ck_refunds_attempts_not_negative'), 'attempts >= 0')
        batch_op.create_index(batch_op.f('ix_refunds_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_created_at'), ['created_at'], unique=False)

    op.create_table('refund_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('refund_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('operation', sa.String(length=10), nullable=False),
    sa.Column('at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('message', sa.String(length=300), nullable=True),
    sa.Column('answer', sa.JSON(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_refund_attempts_refund_id_refunds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund_attempts'))
    )
    with op.batch_alter_table('refund_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_attempts_refund_id'), ['refund_id'], unique=False)

    op.create_table('balance_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('refund_id', sa.Integer(), nullable=True),
    sa.Column('balance_after_cents', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_cents <> 0', name=op.f('ck_balance_entries_amount_not_zero')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_balance_entries_customer_id_customers')),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_balance_entries_refund_id_refunds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_balance_entries')),
    sa.UniqueConstraint('refund_id', name=op.f('uq_balance_entries_refund_id'))
    )
    with op.batch_alter_table('balance_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_balance_entries_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_balance_entries_customer_id'), ['customer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('balance_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_balance_entries_customer_id'))
        batch_op.drop_index(batch_op.f('ix_balance_entries_created_at'))
    op.drop_table('balance_entries')
    with op.batch_alter_table('refund_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refund_attempts_refund_id'))
    op.drop_table('refund_attempts')

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_created_at'))
        batch_op.drop_index(batch_op.f('ix_refunds_state'))
        batch_op.drop_index(batch_op.f('ix_refunds_customer_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_order_line_id'))
        batch_op.drop_constraint(batch_op.f('ck_refunds_attempts_not_negative'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_refunds_amount_positive'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_refunds_coupon_id_coupons'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_refunds_customer_id_customers'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_refunds_order_line_id_order_lines'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_refunds_coupon_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_refunds_out_refund_no'), type_='unique')
        for column in ('updated_at', 'notified_at', 'notify', 'coupon_id', 'paid_by',
                       'manual_note', 'manual_reason', 'failure', 'gateway_answer', 'uncertain',
                       'lease_until', 'next_attempt_at', 'attempts', 'out_refund_no',
                       'customer_id', 'order_line_id'):
            batch_op.drop_column(column)

    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.drop_index('uq_coupons_compensation_case')
        batch_op.drop_column('redeemed_order')
        batch_op.drop_column('redeemed_at')

    op.drop_table('customer_balances')
    op.drop_table('order_line_refund_totals')
