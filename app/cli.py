"""Command-line tasks: every one runs as `flask --app run.py <command>`."""
import click
from flask import current_app
from flask.cli import with_appcontext


def register(app) -> None:
    @app.cli.command("init")
    @click.option("--demo/--no-demo", default=None, help="Seed the demo estate and users on an empty database.")
    @with_appcontext
    def init_command(demo):
        """Apply migrations, create permissions and roles; optionally seed the demo estate."""
        from app.bootstrap import first_start

        seed = current_app.config["SEED_DEMO"] if demo is None else demo
        created = first_start(seed, current_app.config.get("DEMO_PASSWORD"))
        click.echo("Database is up to date; roles and permissions are in place.")
        _print_users(created)

    @app.cli.command("sync-roles")
    @with_appcontext
    def sync_roles_command():
        """Make the roles match the role matrix (app/security/roles.py)."""
        from app.extensions import db

        current_app.appbuilder.add_permissions(update_perms=True)
        current_app.appbuilder.sm.sync_roles()
        db.session.commit()
        click.echo("Roles synchronised.")


def _print_users(created: dict) -> None:
    if not created:
        return
    click.echo("Demo users (user / password):")
    for user, pw in created.items():
        click.echo(f"  {user:<11} {pw}")
