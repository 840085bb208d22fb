"""security log (append-only)

Revision ID: 0010_security_events
Revises: 0009_visits
Create Date: 2026-11-28 22:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_security_events'
down_revision = '0009_visits'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('security_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('username', sa.String(length=128), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('security_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_event_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_event_username'), ['username'], unique=False)
    _append_only()


def _append_only():
    """Security log rows are never changed or deleted, not even by raw SQL."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER security_event_no_{verb.lower()} BEFORE {verb} ON security_event "
                "BEGIN SELECT RAISE(ABORT, 'security_event is append-only'); END"
            )
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION security_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'security_event is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER security_event_append_only BEFORE UPDATE OR DELETE ON security_event "
            "FOR EACH ROW EXECUTE FUNCTION security_event_append_only()"
        )
        # TRUNCATE skips row triggers
        op.execute(
            "CREATE TRIGGER security_event_no_truncate BEFORE TRUNCATE ON security_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION security_event_append_only()"
        )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS security_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS security_event_no_delete")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS security_event_no_truncate ON security_event")
        op.execute("DROP TRIGGER IF EXISTS security_event_append_only ON security_event")
        op.execute("DROP FUNCTION IF EXISTS security_event_append_only()")
    with op.batch_alter_table('security_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_security_event_username'))
        batch_op.drop_index(batch_op.f('ix_security_event_kind'))
        batch_op.drop_index(batch_op.f('ix_security_event_at'))

    op.drop_table('security_event')
