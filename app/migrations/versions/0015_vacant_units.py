"""vacant units: who pays for a unit with no owner (the developer, at a discount, or nobody)

Revision ID: 0015_vacant_units
Revises: 0014_ledger_seals
Create Date: 2026-12-07 22:30:00

Plain ADD COLUMN, not a batch table copy: copying ``charge`` on SQLite would drop the
triggers of 0014 that keep ``charge.paid`` equal to its receipt lines.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_vacant_units'
down_revision = '0014_ledger_seals'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('estate', sa.Column('vacant_payer', sa.String(length=20), nullable=False, server_default='nobody'))
    op.add_column('estate', sa.Column('developer_name', sa.String(length=100), nullable=True))
    op.add_column('estate', sa.Column('vacant_fee_percent', sa.BigInteger(), nullable=False, server_default='10000'))
    op.add_column('charge', sa.Column('billed_to', sa.String(length=20), nullable=False, server_default='owner'))


def downgrade():
    # SQLite 3.35+ drops a column in place (the charge triggers stay)
    op.drop_column('charge', 'billed_to')
    op.drop_column('estate', 'vacant_fee_percent')
    op.drop_column('estate', 'developer_name')
    op.drop_column('estate', 'vacant_payer')
