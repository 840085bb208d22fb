"""`flask --app run.py backup [--out FILE]` and `flask --app run.py restore FILE [--yes]`."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.core import clock
from app.security import events


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def default_backup_path(kind: str) -> Path:
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(current_app.instance_path) / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"estate-desk-{stamp}.{'db' if kind == 'sqlite' else 'dump'}"


def _security_log(kind: str, detail: dict) -> None:
    """Note the backup or restore in the security log; a logging failure never fails the
    command (the backup itself is done and sound)."""
    try:
        events.record(kind, username="system", detail=detail)
    except Exception:  # noqa: BLE001
        current_app.logger.warning("could not write the %s entry to the security log", kind, exc_info=True)


def register_ops(app) -> None:
    @app.cli.command("backup")
    @click.option("--out", "out", default=None, type=click.Path(dir_okay=False),
                  help="File to write (default: instance/backups/estate-desk-<date-time>.db or .dump).")
    @with_appcontext
    def backup_command(out):
        """Take a consistent online backup of the database while staff keep working."""
        from flask_babel import gettext as _

        from app.extensions import db
        from app.ops import backup as ops

        url = current_app.config["SQLALCHEMY_DATABASE_URI"]
        db.session.remove()  # hold no transaction of our own while the copy runs
        try:
            path = Path(out) if out else default_backup_path(ops.backend(url))
            result = ops.backup(url, path)
        except (ops.BackupError, OSError, sqlite3.Error) as err:  # e.g. no room or no right to write there
            click.echo(_("Backup failed: %(error)s", error=str(err)), err=True)
            raise SystemExit(1)
        current_app.logger.info("backup written to %s (%s bytes)", result.path, result.size)
        _security_log(events.BACKUP, {"file": str(result.path), "bytes": result.size})
        took = "%.1f" % result.seconds
        click.echo(_("Backup written: %(path)s (%(size)s, %(seconds)s s).", path=str(result.path),
                     size=_size(result.size), seconds=took))

    @app.cli.command("restore")
    @click.argument("backup_file", type=click.Path(dir_okay=False))
    @click.option("--yes", is_flag=True, help="Replace a database that already has data.")
    @with_appcontext
    def restore_command(backup_file, yes):
        """Bring a backup back into the configured database (an empty one, or any with --yes)."""
        from flask_babel import gettext as _

        from app.extensions import db
        from app.ops import backup as ops

        url = current_app.config["SQLALCHEMY_DATABASE_URI"]
        db.session.remove()
        db.engine.dispose()  # our own pooled connections must not hold the database open
        try:
            seconds = ops.restore(url, Path(backup_file), replace=yes)
        except (ops.BackupError, OSError, sqlite3.Error) as err:
            click.echo(_("Restore failed: %(error)s", error=str(err)), err=True)
            raise SystemExit(1)
        took = "%.1f" % seconds
        current_app.logger.info("restored %s", backup_file)
        _security_log(events.RESTORE, {"file": str(backup_file)})
        click.echo(_("Restored %(path)s in %(seconds)s s. Run `flask --app run.py init` to apply newer "
                     "migrations, then start the web workers.", path=backup_file, seconds=took))
