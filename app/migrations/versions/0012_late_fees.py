"""late fees: the estate switch, bookings and waivers (滞纳金, 减免)

Revision ID: 0012_late_fees
Revises: 0011_receipt_request_hash
Create Date: 2026-12-07 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_late_fees'
down_revision = '0011_receipt_request_hash'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('estate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_fees_enabled', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table('late_fee_waiver',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.String(length=300), nullable=True),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], ),
    sa.ForeignKeyConstraint(['requested_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('late_fee_waiver', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_late_fee_waiver_estate_id'), ['estate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_late_fee_waiver_unit_id'), ['unit_id'], unique=False)
    op.create_table('late_fee_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charge_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('late_charge_id', sa.Integer(), nullable=True),
    sa.Column('waiver_id', sa.Integer(), nullable=True),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['charge_id'], ['charge.id'], ),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], ),
    sa.ForeignKeyConstraint(['late_charge_id'], ['charge.id'], ),
    sa.ForeignKeyConstraint(['waiver_id'], ['late_fee_waiver.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('late_fee_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_late_fee_entry_charge_id'), ['charge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_late_fee_entry_estate_id'), ['estate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_late_fee_entry_waiver_id'), ['waiver_id'], unique=False)
    # a booking or a waiver is a money record: final, not even raw SQL changes or deletes it
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER late_fee_entry_no_{verb.lower()} BEFORE {verb} ON late_fee_entry "
                       "BEGIN SELECT RAISE(ABORT, 'late_fee_entry rows are final: void or reverse instead'); END")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE TRIGGER late_fee_entry_final BEFORE UPDATE OR DELETE ON late_fee_entry "
                   "FOR EACH ROW EXECUTE FUNCTION money_record_is_final()")


def downgrade():
    op.drop_table('late_fee_entry')
    op.drop_table('late_fee_waiver')
    with op.batch_alter_table('estate', schema=None) as batch_op:
        batch_op.drop_column('late_fees_enabled')
