"""revoked grants: API logins logged out (their access and refresh tokens are refused)

Revision ID: 0016_revoked_grants
Revises: 0015_vacant_units
Create Date: 2026-12-07 23:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_revoked_grants'
down_revision = '0015_vacant_units'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('revoked_grant',
    sa.Column('grant_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=False),
    sa.Column('keep_until', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('grant_id')
    )
    op.create_index('ix_revoked_grant_keep_until', 'revoked_grant', ['keep_until'], unique=False)


def downgrade():
    op.drop_index('ix_revoked_grant_keep_until', table_name='revoked_grant')
    op.drop_table('revoked_grant')
