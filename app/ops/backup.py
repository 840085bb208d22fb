"""Online backup and restore of the configured database.

SQLite: the sqlite3 backup API copies one consistent snapshot while staff keep working (in WAL
mode the copy never blocks writers, and writers never break the copy); a plain file copy of a
WAL database misses committed rows that are still in the -wal file. The copy is written beside
the target as ``<name>.part``, checked with ``PRAGMA integrity_check`` and only then renamed.

PostgreSQL: ``pg_dump -Fc`` (one repeatable-read snapshot of the whole database, taken online)
and ``pg_restore --clean --if-exists --single-transaction``. The credentials come from the
SQLAlchemy URL (``postgresql+psycopg://user:pw@host:port/db`` becomes the libpq URL
``postgresql://user@host:port/db``; the password travels in PGPASSWORD, never on the command
line). pg_dump must not be older than the server: set PG_BINDIR to pick the right one.

Restore refuses a database that has tables unless ``replace`` is given: restoring over live
data replaces all of it (stop the web workers first).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
# pg_dump / pg_restore run with an argument list, never through a shell
import subprocess  # nosec B404
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from app.exceptions import DomainError

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
SQLITE, POSTGRESQL = "sqlite", "postgresql"


class BackupError(DomainError):
    """A backup or restore could not be done; the message says why (translated)."""


@dataclass
class BackupResult:
    path: Path
    kind: str  # sqlite | postgresql
    size: int  # bytes
    seconds: float


# --- what the URL and the file are ---------------------------------------------------------
def backend(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in (SQLITE, POSTGRESQL):
        raise BackupError(_("Backups support SQLite and PostgreSQL only, not %(name)s.", name=name))
    return name


def sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(_("The SQLite database must be a file to be backed up."))
    return Path(database)


def libpq(url: str) -> tuple[str, dict]:
    """(libpq connection URL without the password, environment with PGPASSWORD)."""
    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    conninfo = u.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return conninfo, env


def file_kind(path: Path) -> str | None:
    """sqlite, postgresql (a pg_dump custom-format archive) or None."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return SQLITE
    if head.startswith(PGDUMP_MAGIC):
        return POSTGRESQL
    return None


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: from PG_BINDIR when set, else from PATH."""
    bindir = os.environ.get("PG_BINDIR")
    found = str(Path(bindir) / name) if bindir else shutil.which(name)
    if not found or not Path(found).exists():
        raise BackupError(_("%(tool)s was not found: install the PostgreSQL client of the server's "
                            "version or set PG_BINDIR.", tool=name))
    return found


def is_empty(url: str) -> bool:
    """True when the database has no tables at all (a new, empty database)."""
    if backend(url) == SQLITE:
        path = sqlite_file(url)
        if not path.exists() or path.stat().st_size == 0:
            return True
        with closing(_sqlite(path)) as conn:
            return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                "AND name NOT LIKE 'sqlite_%'").fetchone()[0] == 0
    engine = create_engine(url)
    try:
        return not inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _sqlite(path: Path, timeout_s: float = 15.0) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=timeout_s)
    conn.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
    return conn


def _integrity(conn: sqlite3.Connection) -> str:
    return ", ".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall())


def _copy_sqlite(source: Path, target: Path, journal_mode: str) -> str:
    """Copy database ``source`` into ``target`` with SQLite's backup API in one step (pages=-1:
    the whole copy comes from one read snapshot, under SQLite's own locks), leave ``target`` in
    ``journal_mode``, and return its integrity check."""
    with closing(_sqlite(source)) as src, closing(_sqlite(target)) as dst:
        src.backup(dst)
        dst.execute(f"PRAGMA journal_mode = {journal_mode}")
        return _integrity(dst)


def _run(args: list[str], env: dict) -> None:
    # bandit B603: a PostgreSQL tool found by pg_tool(), with an argument list
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # nosec B603
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise BackupError(_("%(tool)s failed: %(detail)s", tool=Path(args[0]).name, detail=" / ".join(detail)))


# --- backup -------------------------------------------------------------------------------
def backup(url: str, out: Path) -> BackupResult:
    """Write a consistent copy of the database at ``url`` to ``out`` while it is in use."""
    out = Path(out)
    kind = backend(url)
    if out.is_dir():
        raise BackupError(_("%(path)s is a folder: give a file name.", path=str(out)))
    if not out.parent.exists():
        raise BackupError(_("The folder %(path)s does not exist.", path=str(out.parent)))
    if kind == SQLITE and out.resolve() == sqlite_file(url).resolve():
        raise BackupError(_("%(path)s is the database itself: choose another file.", path=str(out)))
    part = out.with_name(out.name + ".part")
    part.unlink(missing_ok=True)
    # owner-only from the first byte: a backup holds the owners' phones and ID numbers
    os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    started = time.perf_counter()
    try:
        if kind == SQLITE:
            _backup_sqlite(sqlite_file(url), part)
        else:
            conninfo, env = libpq(url)
            _run([pg_tool("pg_dump"), "--format=custom", "--file", str(part), "--dbname", conninfo], env)
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    return BackupResult(out, kind, out.stat().st_size, time.perf_counter() - started)


def _backup_sqlite(source: Path, part: Path) -> None:
    if not source.exists():
        raise BackupError(_("The database file %(path)s does not exist.", path=str(source)))
    result = _copy_sqlite(source, part, "DELETE")  # one self-contained file, no -wal beside it
    if result != "ok":
        raise BackupError(_("The copy failed its integrity check: %(result)s", result=result))


# --- restore ------------------------------------------------------------------------------
def check_backup_file(path: Path, kind: str) -> None:
    """Refuse a missing file, a file that is no backup, or a backup of the other database kind."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("Backup file not found: %(path)s", path=str(path)))
    found = file_kind(path)
    if found is None:
        raise BackupError(_("%(path)s is not an Estate Desk backup.", path=str(path)))
    if found != kind:
        raise BackupError(_("%(path)s is a %(found)s backup, but the configured database is %(kind)s.",
                            path=str(path), found=found, kind=kind))
    if kind == SQLITE:
        with closing(_sqlite(path)) as conn:
            try:
                result = _integrity(conn)
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            except sqlite3.DatabaseError as err:
                raise BackupError(_("%(path)s is damaged: %(error)s", path=str(path), error=str(err))) from err
        if result != "ok":
            raise BackupError(_("%(path)s is damaged: %(error)s", path=str(path), error=result))
        if "alembic_version" not in tables:
            raise BackupError(_("%(path)s is not an Estate Desk backup.", path=str(path)))
    else:
        _run([pg_tool("pg_restore"), "--list", str(path)], dict(os.environ))


def restore(url: str, path: Path, replace: bool = False) -> float:
    """Bring the backup at ``path`` back into the database at ``url``; returns the seconds it took.

    An empty (new) database is filled; a database with tables is replaced only with ``replace``.
    """
    path = Path(path)
    kind = backend(url)
    check_backup_file(path, kind)
    if not replace and not is_empty(url):
        raise BackupError(_("The database is not empty: restoring replaces all its data. Stop the web "
                            "workers, then run the command again with --yes."))
    started = time.perf_counter()
    if kind == SQLITE:
        target = sqlite_file(url)
        if target.resolve() == path.resolve():
            raise BackupError(_("%(path)s is the database itself: choose another file.", path=str(path)))
        target.parent.mkdir(parents=True, exist_ok=True)
        result = _copy_sqlite(path, target, "WAL")
        if result != "ok":
            raise BackupError(_("The restored database failed its integrity check: %(result)s", result=result))
    else:
        conninfo, env = libpq(url)
        _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", "--dbname", conninfo, str(path)], env)
    return time.perf_counter() - started
