"""work order: what the returned receipt stub (回执联) says, the owner's tick and comment

Revision ID: 0017_work_order_stub
Revises: 0016_revoked_grants
Create Date: 2026-12-07 22:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017_work_order_stub'
down_revision = '0016_revoked_grants'
branch_labels = None
depends_on = None


def upgrade():
    # plain ADD COLUMNs (nullable): stubs registered before this keep no tick and no comment
    op.add_column('work_order', sa.Column('stub_satisfaction', sa.String(length=20), nullable=True))
    op.add_column('work_order', sa.Column('stub_comment', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('work_order') as batch_op:
        batch_op.drop_column('stub_comment')
        batch_op.drop_column('stub_satisfaction')
