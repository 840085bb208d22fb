"""estate bank account for payment reminders

Revision ID: 0007_estate_bank
Revises: 0006_charge_index
Create Date: 2026-11-28 21:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_estate_bank'
down_revision = '0006_charge_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('estate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('bank_account_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('bank_account_number', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('estate', schema=None) as batch_op:
        batch_op.drop_column('bank_account_number')
        batch_op.drop_column('bank_account_name')
        batch_op.drop_column('bank_name')
