"""Command-line tasks: every one runs as `flask --app run.py <command>`."""
import click
from flask import current_app
from flask.cli import with_appcontext


def estates_named(estate_name: str | None) -> list:
    """The estate called ``estate_name``, or every estate; a translated error when there is none."""
    from flask_babel import gettext

    from app.estate.models import Estate
    from app.extensions import db

    query = db.session.query(Estate).order_by(Estate.name)
    if estate_name:
        query = query.filter(Estate.name == estate_name)
    estates = query.all()
    if not estates:
        raise click.ClickException(gettext("There is no estate named “%(name)s”.", name=estate_name) if estate_name
                                   else gettext("There are no estates yet."))
    return estates


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


    @app.cli.group("billing")
    def billing_group():
        """Monthly billing."""

    @billing_group.command("generate")
    @click.option("--period", required=True,
                  help="Year-month to bill, e.g. 2026-11 (also 2026/11, 2026年11月, 202611, full-width digits).")
    @click.option("--estate", "estate_name", default=None, help="Estate name (default: every estate).")
    @with_appcontext
    def billing_generate(period, estate_name):
        """Create the period's charges from the fee schedule in force. Running it again creates nothing
        new and completes a run that was interrupted (prepaid balances applied)."""
        from tqdm import tqdm

        from app.core import clock
        from app.core.audit import acting_as
        from app.estate.models import Unit
        from app.exceptions import DomainError
        from app.extensions import db
        from app.fees import billing
        from app.fees.rules import canonical_period

        try:  # a bad period is refused before any estate is started; " ２０２７-０２" is 2027-02
            period = canonical_period(period)
        except DomainError as err:
            raise click.BadParameter(str(err), param_hint="--period")
        estates = estates_named(estate_name)
        failed = False
        for estate in estates:
            units = db.session.query(Unit).filter(Unit.estate_id == estate.id).count()
            with tqdm(total=units, desc=estate.name, unit="户") as bar, acting_as(name="billing"):
                try:
                    result = billing.generate(estate.id, period, clock.now(), progress=bar.update)
                except DomainError as err:
                    db.session.rollback()
                    click.echo(f"{estate.name}: {err}", err=True)
                    failed = True
                    continue
            click.echo(f"{estate.name} {result.period}: {result.created} charges created "
                       f"(total {result.total}), {result.skipped} already billed")
        if failed:
            raise SystemExit(1)

    @app.cli.group("ledger")
    def ledger_group():
        """The receipt ledger."""

    @ledger_group.command("verify")
    @with_appcontext
    def ledger_verify():
        """Recompute the keyed receipt seals, compare the chains' ends with the receipt counter,
        and every charge's paid with its receipts: OK, or the first problem (exit 1)."""
        from app.cashdesk.seals import verify_ledger

        ok, message = verify_ledger()
        click.echo(message)
        if not ok:
            raise SystemExit(1)

    @ledger_group.command("key")
    @with_appcontext
    def ledger_key_command():
        """Print the ledger key in use: set it as LEDGER_KEY before rotating SECRET_KEY."""
        from app.cashdesk.seals import ledger_key

        click.echo(ledger_key().decode("utf-8"))

    from app.collection.cli import register_reminders

    register_reminders(app)

    from app.ops.cli import register_ops  # backup, restore

    register_ops(app)


def _print_users(created: dict) -> None:
    if not created:
        return
    click.echo("Demo users (user / password):")
    for user, pw in created.items():
        click.echo(f"  {user:<11} {pw}")
