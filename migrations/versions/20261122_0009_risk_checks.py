"""Risk checks: photo fingerprints and customers' return history (issue 8); returned
goods: warehouse checks, the stock ledger and the loss ledger.

Evidence gets the full picture's perceptual hashes (``phash``, four indexed 16-bit bands,
``phash_fine``), ``evidence_crop_hashes`` the nine sub-frames'. Photos stored before this
revision have none until ``python -m bot.evidence.store --backfill`` hashes their files.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

import bot.db.base


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BANDS = ('phash_band0', 'phash_band1', 'phash_band2', 'phash_band3')


def upgrade() -> None:
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phash', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('phash_fine', sa.String(length=36), nullable=True))
        for band in BANDS:
            batch_op.add_column(sa.Column(band, sa.Integer(), nullable=True))
        for band in BANDS:
            batch_op.create_index(batch_op.f(f'ix_evidence_{band}'), [band], unique=False)

    op.create_table('evidence_crop_hashes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('frame', sa.SmallInteger(), nullable=False),
    sa.Column('phash', sa.BigInteger(), nullable=False),
    sa.Column('phash_fine', sa.String(length=36), nullable=False),
    *(sa.Column(band, sa.Integer(), nullable=False) for band in BANDS),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_evidence_crop_hashes_evidence_id_evidence')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_crop_hashes')),
    sa.UniqueConstraint('evidence_id', 'frame', name=op.f('uq_evidence_crop_hashes_evidence_id'))
    )
    with op.batch_alter_table('evidence_crop_hashes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_crop_hashes_evidence_id'), ['evidence_id'], unique=False)
        for band in BANDS:
            batch_op.create_index(batch_op.f(f'ix_evidence_crop_hashes_{band}'), [band], unique=False)

    op.create_table('case_risk_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['return_cases.id'], name=op.f('fk_case_risk_flags_case_id_return_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_risk_flags')),
    sa.UniqueConstraint('case_id', 'code', name=op.f('uq_case_risk_flags_case_id'))
    )
    with op.batch_alter_table('case_risk_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_risk_flags_case_id'), ['case_id'], unique=False)

    op.create_table('warehouse_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('quantity_restocked', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('quantity_lost', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('fault', sa.String(length=20), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('checked_by', sa.String(length=60), nullable=False),
    sa.Column('checked_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity_restocked >= 0 AND quantity_lost >= 0', name=op.f('ck_warehouse_checks_quantities')),
    sa.ForeignKeyConstraint(['case_id'], ['return_cases.id'], name=op.f('fk_warehouse_checks_case_id_return_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warehouse_checks')),
    sa.UniqueConstraint('case_id', name=op.f('uq_warehouse_checks_case_id'))
    )
    with op.batch_alter_table('warehouse_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warehouse_checks_checked_at'), ['checked_at'], unique=False)

    op.create_table('stock_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('batch', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('unit_value', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['return_cases.id'], name=op.f('fk_stock_movements_case_id_return_cases')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_movements_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements')),
    sa.UniqueConstraint('case_id', 'kind', name=op.f('uq_stock_movements_case_id'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_movements_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_product_id'), ['product_id'], unique=False)

    op.create_table('loss_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('batch', sa.String(length=40), nullable=False),
    sa.Column('pickup_point_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('spoiled', 'damaged', 'wrong_item', 'missing', 'no_reason', name='loss_reason', native_enum=False, length=20), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('unit_value', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('party', sa.Enum('supplier', 'logistics', 'pickup_point', 'platform', name='loss_party', native_enum=False, length=20), nullable=False),
    sa.Column('basis', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('state', sa.Enum('open', 'settled', name='loss_state', native_enum=False, length=20), nullable=False),
    sa.Column('booked_by', sa.String(length=60), nullable=False),
    sa.Column('booked_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settled_by', sa.String(length=60), nullable=True),
    sa.Column('settled_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.CheckConstraint('quantity > 0 AND amount >= 0', name=op.f('ck_loss_entries_positive')),
    sa.ForeignKeyConstraint(['case_id'], ['return_cases.id'], name=op.f('fk_loss_entries_case_id_return_cases')),
    sa.ForeignKeyConstraint(['pickup_point_id'], ['pickup_points.id'], name=op.f('fk_loss_entries_pickup_point_id_pickup_points')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_loss_entries_product_id_products')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_loss_entries_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loss_entries')),
    sa.UniqueConstraint('case_id', name=op.f('uq_loss_entries_case_id'))
    )
    with op.batch_alter_table('loss_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loss_entries_booked_at'), ['booked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_loss_entries_party'), ['party'], unique=False)
        batch_op.create_index(batch_op.f('ix_loss_entries_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loss_entries_supplier_id'), ['supplier_id'], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ('loss_entries', ('supplier_id', 'product_id', 'party', 'booked_at')),
        ('stock_movements', ('product_id', 'case_id', 'at')),
        ('warehouse_checks', ('checked_at',)),
        ('case_risk_flags', ('case_id',)),
        ('evidence_crop_hashes', (*BANDS, 'evidence_id')),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in indexes:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
        op.drop_table(table)
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        for band in BANDS:
            batch_op.drop_index(batch_op.f(f'ix_evidence_{band}'))
        for column in (*BANDS, 'phash_fine', 'phash'):
            batch_op.drop_column(column)
