"""service desk: work orders with their step log, complaints with handling notes, callbacks,
time limits per estate, gapless number counters; the staff member's department

Revision ID: 0008_service_desk
Revises: 0007_estate_bank
Create Date: 2026-11-28 22:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_service_desk'
down_revision = '0007_estate_bank'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint_counter',
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], ),
    sa.PrimaryKeyConstraint('estate_id', 'year')
    )
    op.create_table('service_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('urgent_dispatch_minutes', sa.Integer(), nullable=False),
    sa.Column('urgent_complete_hours', sa.Integer(), nullable=False),
    sa.Column('normal_dispatch_minutes', sa.Integer(), nullable=False),
    sa.Column('normal_complete_hours', sa.Integer(), nullable=False),
    sa.Column('low_dispatch_minutes', sa.Integer(), nullable=False),
    sa.Column('low_complete_hours', sa.Integer(), nullable=False),
    sa.Column('complaint_escalation_days', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('estate_id', name='uq_service_settings_estate')
    )
    op.create_index(op.f('ix_service_settings_estate_id'), 'service_settings', ['estate_id'], unique=False)
    op.create_table('work_order_counter',
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], ),
    sa.PrimaryKeyConstraint('estate_id', 'year')
    )
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('caller', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('department', sa.String(length=20), nullable=True),
    sa.Column('major', sa.Boolean(), nullable=False),
    sa.Column('reply_due', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('called_back_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], ),
    sa.ForeignKeyConstraint(['received_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('estate_id', 'number', name='uq_complaint_number'),
    sa.UniqueConstraint('estate_id', 'year', 'seq', name='uq_complaint_seq')
    )
    op.create_index(op.f('ix_complaint_department'), 'complaint', ['department'], unique=False)
    op.create_index(op.f('ix_complaint_estate_id'), 'complaint', ['estate_id'], unique=False)
    op.create_index(op.f('ix_complaint_received_at'), 'complaint', ['received_at'], unique=False)
    op.create_index(op.f('ix_complaint_state'), 'complaint', ['state'], unique=False)
    op.create_index(op.f('ix_complaint_unit_id'), 'complaint', ['unit_id'], unique=False)
    op.create_table('complaint_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_complaint_note_complaint_id'), 'complaint_note', ['complaint_id'], unique=False)
    op.create_index(op.f('ix_complaint_note_estate_id'), 'complaint_note', ['estate_id'], unique=False)
    op.create_table('work_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('caller', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('paid', sa.Boolean(), nullable=False),
    sa.Column('service_price_id', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.BigInteger(), nullable=True),
    sa.Column('charge_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('department', sa.String(length=20), nullable=True),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('dispatch_due', sa.DateTime(), nullable=False),
    sa.Column('complete_due', sa.DateTime(), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('stub_returned_at', sa.DateTime(), nullable=True),
    sa.Column('called_back_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('redo_count', sa.Integer(), nullable=False),
    sa.Column('redo_supervisor_id', sa.Integer(), nullable=True),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['charge_id'], ['charge.id'], ),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], ),
    sa.ForeignKeyConstraint(['received_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['redo_supervisor_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['service_price_id'], ['service_price.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['worker_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('estate_id', 'number', name='uq_work_order_number'),
    sa.UniqueConstraint('estate_id', 'year', 'seq', name='uq_work_order_seq')
    )
    op.create_index(op.f('ix_work_order_closed_at'), 'work_order', ['closed_at'], unique=False)
    op.create_index(op.f('ix_work_order_department'), 'work_order', ['department'], unique=False)
    op.create_index(op.f('ix_work_order_estate_id'), 'work_order', ['estate_id'], unique=False)
    op.create_index(op.f('ix_work_order_received_at'), 'work_order', ['received_at'], unique=False)
    op.create_index(op.f('ix_work_order_state'), 'work_order', ['state'], unique=False)
    op.create_index(op.f('ix_work_order_unit_id'), 'work_order', ['unit_id'], unique=False)
    op.create_table('callback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_callback_at'), 'callback', ['at'], unique=False)
    op.create_index(op.f('ix_callback_complaint_id'), 'callback', ['complaint_id'], unique=False)
    op.create_index(op.f('ix_callback_estate_id'), 'callback', ['estate_id'], unique=False)
    op.create_index(op.f('ix_callback_unit_id'), 'callback', ['unit_id'], unique=False)
    op.create_index(op.f('ix_callback_work_order_id'), 'callback', ['work_order_id'], unique=False)
    op.create_table('work_order_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=True),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], ),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_work_order_event_estate_id'), 'work_order_event', ['estate_id'], unique=False)
    op.create_index(op.f('ix_work_order_event_work_order_id'), 'work_order_event', ['work_order_id'], unique=False)
    with op.batch_alter_table('staff_estate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('staff_estate', schema=None) as batch_op:
        batch_op.drop_column('department')
    op.drop_index(op.f('ix_work_order_event_estate_id'), table_name='work_order_event')
    op.drop_index(op.f('ix_work_order_event_work_order_id'), table_name='work_order_event')
    op.drop_table('work_order_event')
    op.drop_index(op.f('ix_callback_at'), table_name='callback')
    op.drop_index(op.f('ix_callback_complaint_id'), table_name='callback')
    op.drop_index(op.f('ix_callback_estate_id'), table_name='callback')
    op.drop_index(op.f('ix_callback_unit_id'), table_name='callback')
    op.drop_index(op.f('ix_callback_work_order_id'), table_name='callback')
    op.drop_table('callback')
    op.drop_index(op.f('ix_work_order_closed_at'), table_name='work_order')
    op.drop_index(op.f('ix_work_order_department'), table_name='work_order')
    op.drop_index(op.f('ix_work_order_estate_id'), table_name='work_order')
    op.drop_index(op.f('ix_work_order_received_at'), table_name='work_order')
    op.drop_index(op.f('ix_work_order_state'), table_name='work_order')
    op.drop_index(op.f('ix_work_order_unit_id'), table_name='work_order')
    op.drop_table('work_order')
    op.drop_index(op.f('ix_complaint_note_complaint_id'), table_name='complaint_note')
    op.drop_index(op.f('ix_complaint_note_estate_id'), table_name='complaint_note')
    op.drop_table('complaint_note')
    op.drop_index(op.f('ix_complaint_department'), table_name='complaint')
    op.drop_index(op.f('ix_complaint_estate_id'), table_name='complaint')
    op.drop_index(op.f('ix_complaint_received_at'), table_name='complaint')
    op.drop_index(op.f('ix_complaint_state'), table_name='complaint')
    op.drop_index(op.f('ix_complaint_unit_id'), table_name='complaint')
    op.drop_table('complaint')
    op.drop_table('work_order_counter')
    op.drop_index(op.f('ix_service_settings_estate_id'), table_name='service_settings')
    op.drop_table('service_settings')
    op.drop_table('complaint_counter')
