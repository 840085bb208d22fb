"""`flask --app run.py reminders print --out reminders.pdf [--building N] [--min-days D]
[--min-amount A] [--stage S] [--new-round] [--workers W] [--user clerk]`."""
from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


def write_atomically(path: Path, data: bytes) -> None:
    """The whole file or none: written beside its place, flushed to disk, then renamed over it
    (a crash halfway leaves the old file or no file, never half a PDF)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def register_reminders(app) -> None:
    @app.cli.group("reminders")
    def reminders_group():
        """Payment reminders (催缴通知书)."""

    @reminders_group.command("print")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="PDF file to write.")
    @click.option("--building", default=None, help="Building number, e.g. 3.")
    @click.option("--min-days", default=None, help="Only units overdue at least this many days.")
    @click.option("--min-amount", default=None, help="Only units owing at least this much (yuan).")
    @click.option("--stage", default=None, help="Collection stage: none, phone, notice, visit, escalation.")
    @click.option("--estate", "estate_name", default=None, help="Estate name (default: every estate).")
    @click.option("--new-round", is_flag=True, help="Issue new numbers instead of reprinting the current reminders.")
    @click.option("--workers", default=None, type=int, help="Processes laying out letters (default: CPU count, at most 4).")
    @click.option("--user", "username", default="clerk", show_default=True, help="Staff member printing (logged).")
    @with_appcontext
    def reminders_print(out, building, min_days, min_amount, stage, estate_name, new_round, workers, username):
        """Print the reminders of the units in arrears as one PDF, sorted by building and room;
        each letter is logged as a written notice. Printing again reprints the same numbers."""
        from tqdm import tqdm

        from reports.reminder import LetterPool

        from app.collection import arrears, services
        from app.core import clock
        from flask_babel import gettext

        from app.cli import estates_named
        from app.exceptions import DomainError
        from app.extensions import db

        sm = current_app.appbuilder.sm
        user = sm.find_user(username=username)
        if user is None:
            raise click.ClickException(gettext("There is no staff member with the login “%(name)s”.", name=username))
        wanted = {e.id for e in estates_named(estate_name)}
        estate_ids = [i for i in sm.estate_ids_for(user) if i in wanted]
        if not estate_ids:
            raise click.ClickException(gettext("%(name)s does not work for that estate.", name=username))
        now = clock.now()
        workers = workers or min(4, os.cpu_count() or 1)
        # the layout processes start now and load WeasyPrint while the arrears are selected
        with LetterPool(workers) as pool:
            try:
                f = arrears.parse_filters({"building": building, "min_days": min_days, "min_amount": min_amount,
                                            "stage": stage}, estate_ids)
                rows = services.select_for_reminders(estate_ids, now.date(), f)
                with tqdm(total=len(rows), desc="催缴通知书", unit="封") as bar:
                    _pdf, reminders = services.print_reminders(
                        estate_ids, f, user, now, new_round=new_round, pool=pool, rows=rows, progress=bar.update,
                        deliver=lambda pdf: write_atomically(Path(out), pdf))
                    first, last, count = reminders[0].number, reminders[-1].number, len(reminders)
            except DomainError as err:
                db.session.rollback()
                raise click.ClickException(str(err))
            except OSError as err:
                db.session.rollback()
                raise click.ClickException(gettext("The PDF could not be written (%(error)s): no reminder is "
                                                   "marked printed.", error=err.strerror or err))
        click.echo(f"{count} reminders ({first} … {last}) -> {out}")
