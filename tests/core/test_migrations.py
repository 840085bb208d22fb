"""The migrations build the whole schema, and the models agree with them."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect

from app import MIGRATIONS_DIR, create_app
from app.extensions import db
from tests.conftest import TEST_SECRET_KEY


def test_empty_database_upgrades_to_head_with_no_pending_diff(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    app = create_app(SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(tmp_path), SECRET_KEY=TEST_SECRET_KEY)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        tables = set(inspect(db.engine).get_table_names())
        assert {"ab_user", "ab_role", "ab_permission_view", "estate", "unit", "owner", "audit_log"} <= tables
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
