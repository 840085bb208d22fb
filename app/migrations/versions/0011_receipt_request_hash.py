"""receipt: fingerprint of what a one-time request key posted

Revision ID: 0011_receipt_request_hash
Revises: 0010_security_events
Create Date: 2026-12-07 18:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_receipt_request_hash'
down_revision = '0010_security_events'
branch_labels = None
depends_on = None


def upgrade():
    # receipts posted before this revision keep NULL: their key replays as before
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_column('request_hash')
