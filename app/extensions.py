"""Extensions shared by the whole app, created unbound (bound in create_app).

One metadata for FAB and for our models, so Alembic and FAB see the same tables (FAB trap 1).
"""
from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate

db = SQLA(metadata=Model.metadata)
migrate = Migrate()
