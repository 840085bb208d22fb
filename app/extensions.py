"""Extensions shared by the whole app, created unbound (bound in create_app).

One metadata for FAB and for our models, so Alembic and FAB see the same tables (FAB trap 1).
"""
from contextlib import contextmanager

from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = SQLA(metadata=Model.metadata)
migrate = Migrate()
# every POST from a page carries a CSRF token; the JSON API (token or session + JSON body) is exempt
csrf = CSRFProtect()


@contextmanager
def committed():
    """One unit of work of a service: committed at the end; anything raised inside rolls it all
    back (nothing half-written stays in the session) and is raised again."""
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
