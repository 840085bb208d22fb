"""visits: owner visits (走访) with the owner's signature, and the estates' visit quotas

Revision ID: 0009_visits
Revises: 0008_service_desk
Create Date: 2026-11-28 22:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_visits'
down_revision = '0008_service_desk'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('met_person', sa.String(length=100), nullable=True),
    sa.Column('opinions', sa.Text(), nullable=True),
    sa.Column('requests', sa.Text(), nullable=True),
    sa.Column('follow_up', sa.Text(), nullable=True),
    sa.Column('follow_up_needed', sa.Boolean(), nullable=False),
    sa.Column('follow_up_done', sa.Boolean(), nullable=False),
    sa.Column('signature_kind', sa.String(length=10), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=True),
    sa.Column('signature_mime', sa.String(length=20), nullable=True),
    sa.Column('signature_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_estate_id'), ['estate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_visit_date'), ['visit_date'], unique=False)

    op.create_table('visit_quota',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('min_households', sa.Integer(), nullable=True),
    sa.Column('per_staff', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('estate_id', 'kind', name='uq_visit_quota_kind')
    )
    with op.batch_alter_table('visit_quota', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_quota_estate_id'), ['estate_id'], unique=False)


def downgrade():
    with op.batch_alter_table('visit_quota', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_quota_estate_id'))

    op.drop_table('visit_quota')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_visit_date'))
        batch_op.drop_index(batch_op.f('ix_visit_unit_id'))
        batch_op.drop_index(batch_op.f('ix_visit_staff_id'))
        batch_op.drop_index(batch_op.f('ix_visit_estate_id'))

    op.drop_table('visit')
