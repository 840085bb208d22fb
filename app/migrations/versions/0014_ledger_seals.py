"""ledger seals: keyed receipt seals, the upgrade record of old unkeyed chains, charge.paid
only through receipt lines, a receipt counter that only counts up, no TRUNCATE of the
append-only tables (PostgreSQL)

Revision ID: 0014_ledger_seals
Revises: 0013_canonical_periods
Create Date: 2026-12-07 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014_ledger_seals'
down_revision = '0013_canonical_periods'
branch_labels = None
depends_on = None

# TRUNCATE skips row triggers: these tables refuse it with a statement trigger (PostgreSQL;
# SQLite has no TRUNCATE, its "DELETE FROM t" meets the row triggers)
NO_TRUNCATE = ("receipt", "receipt_line", "prepaid_entry", "audit_log", "charge", "receipt_counter",
               "ledger_anchor")


def upgrade():
    # a plain ADD COLUMN, not a batch copy: copying the table would drop its triggers (SQLite).
    # Receipts already posted keep seal version 1 (the old unkeyed hash); new ones are sealed
    # with version 2 (app.cashdesk.seals)
    op.add_column('receipt', sa.Column('seal_version', sa.Integer(), nullable=False, server_default='1'))
    op.create_table('ledger_anchor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('estate_id', 'year', name='uq_ledger_anchor_chain')
    )
    _guards()


def _guards():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER ledger_anchor_no_{verb.lower()} BEFORE {verb} ON ledger_anchor "
                "BEGIN SELECT RAISE(ABORT, 'ledger_anchor rows are final'); END"
            )
        # posting inserts the receipt lines first, then raises paid to their sum
        op.execute(
            "CREATE TRIGGER charge_paid_by_receipts BEFORE UPDATE OF paid ON charge "
            "WHEN NEW.paid <> (SELECT COALESCE(SUM(amount), 0) FROM receipt_line WHERE charge_id = NEW.id) "
            "BEGIN SELECT RAISE(ABORT, 'charge.paid changes only through receipts and reversals'); END"
        )
        op.execute(
            "CREATE TRIGGER receipt_counter_forward BEFORE UPDATE ON receipt_counter "
            "WHEN NEW.last_number <> OLD.last_number + 1 OR NEW.estate_id <> OLD.estate_id OR NEW.year <> OLD.year "
            "BEGIN SELECT RAISE(ABORT, 'receipt_counter only counts up by one'); END"
        )
        op.execute(
            "CREATE TRIGGER receipt_counter_no_delete BEFORE DELETE ON receipt_counter "
            "BEGIN SELECT RAISE(ABORT, 'receipt_counter only counts up by one'); END"
        )
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION ledger_anchor_is_final() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'ledger_anchor rows are final'; END $$"
        )
        op.execute(
            "CREATE TRIGGER ledger_anchor_final BEFORE UPDATE OR DELETE ON ledger_anchor "
            "FOR EACH ROW EXECUTE FUNCTION ledger_anchor_is_final()"
        )
        op.execute(
            "CREATE FUNCTION charge_paid_by_receipts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.paid <> (SELECT COALESCE(SUM(amount), 0) FROM receipt_line WHERE charge_id = NEW.id) THEN "
            "RAISE EXCEPTION 'charge.paid changes only through receipts and reversals'; END IF; "
            "RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER charge_paid_by_receipts BEFORE UPDATE OF paid ON charge "
            "FOR EACH ROW EXECUTE FUNCTION charge_paid_by_receipts()"
        )
        op.execute(
            "CREATE FUNCTION receipt_counter_forward() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'DELETE' OR NEW.last_number <> OLD.last_number + 1 OR NEW.estate_id <> OLD.estate_id "
            "OR NEW.year <> OLD.year THEN RAISE EXCEPTION 'receipt_counter only counts up by one'; END IF; "
            "RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER receipt_counter_forward BEFORE UPDATE OR DELETE ON receipt_counter "
            "FOR EACH ROW EXECUTE FUNCTION receipt_counter_forward()"
        )
        op.execute(
            "CREATE FUNCTION ledger_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME; END $$"
        )
        for table in NO_TRUNCATE:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ledger_no_truncate()"
            )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("ledger_anchor_no_update", "ledger_anchor_no_delete", "charge_paid_by_receipts",
                     "receipt_counter_forward", "receipt_counter_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif bind.dialect.name == "postgresql":
        for table in NO_TRUNCATE:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ledger_no_truncate()")
        op.execute("DROP TRIGGER IF EXISTS receipt_counter_forward ON receipt_counter")
        op.execute("DROP FUNCTION IF EXISTS receipt_counter_forward()")
        op.execute("DROP TRIGGER IF EXISTS charge_paid_by_receipts ON charge")
        op.execute("DROP FUNCTION IF EXISTS charge_paid_by_receipts()")
        op.execute("DROP TRIGGER IF EXISTS ledger_anchor_final ON ledger_anchor")
        op.execute("DROP FUNCTION IF EXISTS ledger_anchor_is_final()")
    op.drop_table('ledger_anchor')
    # a plain DROP COLUMN (SQLite 3.35+) keeps the receipt table's triggers
    op.drop_column('receipt', 'seal_version')
