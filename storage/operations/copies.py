"""Copies of the database: made while the service runs, put back while it does not.

SQLite is copied page by page with its online backup API, which reads a consistent snapshot
while other connections keep writing (WAL). PostgreSQL is copied by its own tools,
``pg_dump --format=custom`` and ``pg_restore``, given the URL's connection parameters in the
child's environment (``PGPASSWORD`` never appears on a command line, where ``ps`` would show
it). A copy is written beside its destination first and renamed at the end, so a failed
backup or restore never leaves half a file in place.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

TIMEOUT = 3600  # seconds: a dump of years of tips is minutes, not hours


class CopyFailed(Exception):
    """The copy could not be made or put back; ``str()`` says why in one line."""


class NotTinbao(Exception):
    """The file is not a copy of a tinbao database."""


@dataclass(frozen=True, slots=True)
class Copy:
    size: int
    tips: int


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise CopyFailed("an in-memory database has nothing to copy")
    return Path(database)


def _partial(target: Path) -> Path:
    return target.with_name(f".{target.name}.partial")


def backup_sqlite(url: str, target: Path) -> Copy:
    """Copy the live SQLite database of ``url`` into ``target``, check the copy and count its
    tips. The copy is a single file (no -wal) that ``restore_sqlite`` can put back."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise CopyFailed(f"{source_path} does not exist")
    partial = _partial(target)
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(source_path, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise CopyFailed(str(error)) from None
    finally:
        source.close()
    try:
        tips = _check(partial)
    except (NotTinbao, CopyFailed):
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return Copy(size=target.stat().st_size, tips=tips)


def _check(path: Path) -> int:
    """The number of tips in the SQLite file ``path``, once it passed the integrity check."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise CopyFailed(f"integrity check: {verdict}")
        return int(connection.execute("SELECT count(*) FROM tip").fetchone()[0])
    except sqlite3.DatabaseError as error:
        raise NotTinbao(str(error)) from None
    finally:
        connection.close()


def sqlite_revision(backup: Path) -> str:
    """The schema revision of the SQLite copy ``backup``; :class:`NotTinbao` if it has none."""
    try:
        _check(backup)
        connection = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise NotTinbao(str(error)) from None
    if row is None:
        raise NotTinbao("no schema revision")
    return str(row[0])


def restore_sqlite(backup: Path, url: str) -> None:
    """Put ``backup`` in place of the database of ``url`` (no service may be running: the
    caller holds the service lock exclusively). The old -wal and -shm files belong to the
    replaced database and would corrupt the restored one: they go."""
    database = sqlite_path(url)
    partial = _partial(database)
    shutil.copyfile(backup, partial)
    with open(partial, "rb+") as handle:
        os.fsync(handle.fileno())
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.replace(partial, database)


def pg_tool(name: str, folder: str | None) -> str:
    """The path of the PostgreSQL client ``name``: in ``folder`` when given, else on PATH."""
    found = shutil.which(name, path=folder) if folder else shutil.which(name)
    if found is None:
        raise FileNotFoundError(name)
    return found


def _pg_environment(url: str) -> dict[str, str]:
    parsed = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for name, value in (
        ("PGHOST", parsed.host),
        ("PGPORT", parsed.port),
        ("PGUSER", parsed.username),
        ("PGPASSWORD", parsed.password),
        ("PGDATABASE", parsed.database),
    ):
        if value is not None:
            env[name] = str(value)
    return env


def _run(command: list[str], url: str) -> str:
    try:
        done = subprocess.run(
            command,
            env=_pg_environment(url),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CopyFailed(f"{Path(command[0]).name} took more than {TIMEOUT} s") from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise CopyFailed(lines[0] if lines else f"exit status {done.returncode}")
    return done.stdout


def dump_postgresql(pg_dump: str, url: str, target: Path) -> int:
    """``pg_dump --format=custom`` of the database of ``url`` into ``target``; its size."""
    partial = _partial(target)
    try:
        _run([pg_dump, "--format=custom", "--no-owner", f"--file={partial}"], url)
    except CopyFailed:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return target.stat().st_size


def dump_revision(pg_restore: str, backup: Path) -> str:
    """The schema revision inside a ``pg_dump`` archive, read without restoring it."""
    with contextlib.suppress(CopyFailed):
        script = _run(
            [pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(backup)],
            "postgresql://",
        )
        lines = script.splitlines()
        for number, line in enumerate(lines):
            if line.startswith("COPY ") and "alembic_version" in line and number + 1 < len(lines):
                if lines[number + 1] != "\\.":
                    return lines[number + 1].strip()
    raise NotTinbao("no schema revision")


def restore_postgresql(pg_restore: str, backup: Path, url: str) -> None:
    """Replace the database of ``url``'s tables with the archive's, in one transaction."""
    database = make_url(url).database or ""
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={database}",
            str(backup),
        ],
        url,
    )
