"""A throwaway PostgreSQL cluster for tests.

``ThrowawayPostgres`` runs ``initdb`` into a fresh temporary folder, starts a
``postgres`` server on a free TCP port of 127.0.0.1 with durability switched off
(tests do not need crash safety), and removes everything again on ``stop()``.

The server binaries are looked up in this order:

1. ``$TINBAO_PG_BINDIR`` when set (a folder holding ``initdb`` and ``postgres``);
2. the newest ``/usr/lib/postgresql/<version>/bin`` (Debian and Ubuntu);
3. ``pg_config --bindir``, when that folder holds ``initdb`` (on Debian it is
   often the client-only ``/usr/bin``);
4. ``initdb`` on ``PATH`` and ``/usr/local/pgsql/bin``.

``initdb``, ``postgres`` and ``pg_ctl`` refuse to run as root.  When the effective
user is root the cluster is owned by, and the server runs as, a non-root system
user: ``$TINBAO_PG_USER`` when set, else ``tinbao-pg`` (created with ``useradd``
when missing), else the distribution's ``postgres`` user, else ``nobody``.  The
binaries are started with ``subprocess``'s ``user``/``group`` arguments (a
setgid/setgroups/setuid before ``exec``), so ``runuser`` or ``sudo`` are not needed.
When not root everything runs as the current user.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

__all__ = [
    "PostgresError",
    "PostgresUnavailable",
    "ThrowawayPostgres",
    "available",
    "find_bindir",
]

DEDICATED_USER = "tinbao-pg"
FALLBACK_USERS = ("postgres", "nobody")
SUPERUSER = "postgres"
HOST = "127.0.0.1"
_SERVER_BINARIES = ("initdb", "postgres", "pg_ctl", "pg_isready")
_DB_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_INSTALL_HINT = (
    "install the PostgreSQL server (Debian/Ubuntu: apt-get install -y postgresql) "
    "or point TINBAO_PG_BINDIR at the folder holding initdb and postgres"
)


class PostgresError(RuntimeError):
    """The throwaway cluster could not be set up, started, used or stopped."""


class PostgresUnavailable(PostgresError):
    """No PostgreSQL server binaries were found on this machine."""


# --------------------------------------------------------------------------- binaries


def _version_key(path: Path) -> tuple[int, ...]:
    """Sort key for /usr/lib/postgresql/<version>/bin: numeric, newest last."""
    parts = re.findall(r"\d+", path.parent.name)
    return tuple(int(part) for part in parts) or (-1,)


def _has_server(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in _SERVER_BINARIES)


def _candidate_bindirs() -> list[Path]:
    candidates: list[Path] = []
    override = os.environ.get("TINBAO_PG_BINDIR")
    if override:
        candidates.append(Path(override))
    debian = sorted(
        (initdb.parent for initdb in Path("/usr/lib/postgresql").glob("*/bin/initdb")),
        key=_version_key,
        reverse=True,
    )
    candidates.extend(debian)
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    candidates.append(Path("/usr/local/pgsql/bin"))
    return candidates


def find_bindir() -> Path | None:
    """The folder holding the newest usable PostgreSQL server binaries, or None.

    ``$TINBAO_PG_BINDIR``, when set, is the only folder considered.
    """
    if os.environ.get("TINBAO_PG_BINDIR"):
        bindir = Path(os.environ["TINBAO_PG_BINDIR"])
        return bindir if _has_server(bindir) else None
    for bindir in _candidate_bindirs():
        if _has_server(bindir):
            return bindir
    return None


def available() -> bool:
    """True when the PostgreSQL server binaries needed by ThrowawayPostgres exist."""
    return find_bindir() is not None


# --------------------------------------------------------------------------- root handling


def _lookup_user(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _create_system_user(name: str) -> None:
    """Create a locked system user without a home; quietly ignore failure."""
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    if not os.access(useradd, os.X_OK):
        return
    nologin = next(
        (p for p in ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false") if os.path.exists(p)),
        "/bin/false",
    )
    # Two test processes may race here; useradd then fails with "already exists",
    # which is fine because only the user's existence afterwards matters.
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            [useradd, "--system", "--no-create-home", "--user-group", "--shell", nologin, name],
            capture_output=True,
            timeout=30,
            check=False,
        )


def _service_user() -> pwd.struct_passwd:
    """The non-root account that owns and runs the cluster when we are root."""
    requested = os.environ.get("TINBAO_PG_USER")
    if requested:
        entry = _lookup_user(requested)
        if entry is None or entry.pw_uid == 0:
            raise PostgresError(f"TINBAO_PG_USER={requested!r} is not an existing non-root user")
        return entry
    entry = _lookup_user(DEDICATED_USER)
    if entry is None:
        _create_system_user(DEDICATED_USER)
        entry = _lookup_user(DEDICATED_USER)
    if entry is not None and entry.pw_uid != 0:
        return entry
    for name in FALLBACK_USERS:
        entry = _lookup_user(name)
        if entry is not None and entry.pw_uid != 0:
            return entry
    raise PostgresError(
        f"running as root, and no non-root user could be found or created to run PostgreSQL "
        f"(tried {DEDICATED_USER}, {', '.join(FALLBACK_USERS)}); set TINBAO_PG_USER"
    )


def _world_traversable(path: Path) -> bool:
    """True when every folder from / down to ``path`` can be entered by other users."""
    for folder in (path, *path.parents):
        try:
            if not folder.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def _temp_parent(as_other_user: bool) -> str | None:
    """Where to make the cluster folder: the usual temp dir, unless the server
    user could not reach it or the socket path would get too long."""
    default = Path(tempfile.gettempdir()).resolve()
    # Unix socket paths are limited to ~107 bytes: <parent>/tinbao-pg-XXXXXXXX/.s.PGSQL.NNNNN
    too_long = len(str(default)) > 60
    if too_long or (as_other_user and not _world_traversable(default)):
        return "/tmp"
    return None


# --------------------------------------------------------------------------- cluster


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class ThrowawayPostgres:
    """A temporary PostgreSQL cluster on 127.0.0.1 with trust authentication.

    Usage::

        with ThrowawayPostgres() as pg:
            url = pg.create_database("tinbao_test")  # postgresql+asyncpg://postgres@127.0.0.1:P/tinbao_test
            ...

    Attributes set by ``start()``: ``port``, ``base_dir`` (removed on stop),
    ``data_dir``, ``log_path``, ``startup_seconds``.  ``run_as`` is the account name
    the server runs under when started by root, else None.
    """

    def __init__(
        self,
        bindir: str | os.PathLike[str] | None = None,
        *,
        start_timeout: float = 60.0,
        settings: dict[str, str] | None = None,
    ) -> None:
        self._bindir_arg = Path(bindir) if bindir is not None else None
        self.start_timeout = start_timeout
        self.settings: dict[str, str] = {
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
        }
        self.settings.update(settings or {})
        self.host = HOST
        self.user = SUPERUSER
        self.bindir: Path | None = None
        self.port: int | None = None
        self.base_dir: Path | None = None
        self.data_dir: Path | None = None
        self.log_path: Path | None = None
        self.run_as: str | None = None
        self.startup_seconds: float | None = None
        self._account: pwd.struct_passwd | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------------ helpers

    def _bin(self, name: str) -> str:
        assert self.bindir is not None
        return str(self.bindir / name)

    def _run_kwargs(self) -> dict[str, Any]:
        """subprocess arguments that drop root to the service user, if needed."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("PG") and key not in ("LC_ALL", "LANG", "LANGUAGE")
        }
        env["LC_ALL"] = "C"
        kwargs: dict[str, Any] = {"env": env, "cwd": str(self.base_dir)}
        if self._account is not None:
            env["HOME"] = str(self.base_dir)
            env["USER"] = env["LOGNAME"] = self._account.pw_name
            kwargs.update(user=self._account.pw_uid, group=self._account.pw_gid, extra_groups=[])
        return kwargs

    def _run(self, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, capture_output=True, text=True, timeout=timeout, check=False, **self._run_kwargs()
        )

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> Self:
        """initdb a fresh cluster and start the server; returns self."""
        if self._proc is not None:
            raise PostgresError("this ThrowawayPostgres is already started")
        self.bindir = self._bindir_arg or find_bindir()
        if self.bindir is None or not _has_server(self.bindir):
            override = os.environ.get("TINBAO_PG_BINDIR")
            where = (
                self.bindir
                or (override and f"TINBAO_PG_BINDIR={override}")
                or "/usr/lib/postgresql/*/bin, pg_config --bindir or PATH"
            )
            raise PostgresUnavailable(
                f"PostgreSQL server binaries ({', '.join(_SERVER_BINARIES)}) not found in "
                f"{where}: {_INSTALL_HINT}"
            )
        began = time.monotonic()
        self._account = _service_user() if os.geteuid() == 0 else None
        self.run_as = self._account.pw_name if self._account else None
        self.base_dir = Path(
            tempfile.mkdtemp(prefix="tinbao-pg-", dir=_temp_parent(self._account is not None))
        )
        self.data_dir = self.base_dir / "data"
        self.log_path = self.base_dir / "postgres.log"
        try:
            if self._account is not None:
                os.chown(self.base_dir, self._account.pw_uid, self._account.pw_gid)
            self._initdb()
            self._launch()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        atexit.register(self.stop)
        return self

    def _initdb(self) -> None:
        assert self.data_dir is not None
        errors: list[str] = []
        for locale in ("C.UTF-8", "C"):
            result = self._run(
                [
                    self._bin("initdb"),
                    "-D", str(self.data_dir),
                    "-A", "trust",
                    "-U", self.user,
                    "-E", "UTF8",
                    f"--locale={locale}",
                    "--no-sync",
                ]
            )  # fmt: skip
            if result.returncode == 0:
                return
            errors.append(f"--locale={locale}: {(result.stderr or result.stdout).strip()}")
            shutil.rmtree(self.data_dir, ignore_errors=True)
        raise PostgresError("initdb failed:\n" + "\n".join(errors))

    def _launch(self, port: int | None = None) -> None:
        assert self.base_dir is not None and self.log_path is not None
        for _attempt in range(1 if port else 5):
            self.port = port or _free_port()
            args = [
                self._bin("postgres"),
                "-D", str(self.data_dir),
                "-k", str(self.base_dir),
                "-h", self.host,
                "-p", str(self.port),
            ]  # fmt: skip
            for key, value in self.settings.items():
                args += ["-c", f"{key}={value}"]
            # The server keeps its own copy of the descriptor; ours closes right away.
            with open(self.log_path, "ab") as log_file:
                if self._account is not None:
                    os.chown(self.log_path, self._account.pw_uid, self._account.pw_gid)
                self._proc = subprocess.Popen(
                    args,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    **self._run_kwargs(),
                )
            if self._wait_ready():
                return
            # The server died; retry only when another process took the port first.
            self._proc = None
            log = _tail(self.log_path)
            if "could not bind" not in log and "already in use" not in log:
                raise PostgresError(f"postgres failed to start; log {self.log_path}:\n{log}")
        raise PostgresError(f"postgres could not bind a free port; log:\n{_tail(self.log_path)}")

    def _wait_ready(self) -> bool:
        """Poll pg_isready until accepting (True) or the server exits (False)."""
        assert self._proc is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            ready = self._run(
                [
                    self._bin("pg_isready"),
                    "-q",
                    "-h", self.host,
                    "-p", str(self.port),
                    "-U", self.user,
                    "-d", "postgres",
                    "-t", "1",
                ],
                timeout=10,
            )  # fmt: skip
            if ready.returncode == 0:
                return True
            time.sleep(0.02)  # connection refused returns at once; don't spin hot
        self._kill()
        raise PostgresError(
            f"postgres did not accept connections within {self.start_timeout:.0f}s; "
            f"log {self.log_path}:\n{_tail(self.log_path)}"
        )

    def restart(self) -> None:
        """Stop the server the way an operator's restart does (``pg_ctl stop -m fast``: every
        session is ended) and start it again on the same port and data; in between,
        connections are refused."""
        if not self.running:
            raise PostgresError("this ThrowawayPostgres is not running")
        assert self._proc is not None
        self._run(
            [self._bin("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast", "-w",
             "-t", "30"],
            timeout=60,
        )  # fmt: skip
        self._proc.wait(timeout=30)
        self._proc = None
        self._launch(self.port)

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGQUIT)  # immediate shutdown
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server (pg_ctl stop -m fast) and remove the cluster folder. Idempotent."""
        atexit.unregister(self.stop)
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                self._run(
                    [self._bin("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast",
                     "-w", "-t", "30"],
                    timeout=60,
                )  # fmt: skip
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        self._kill()
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ databases

    def url(self, name: str = "postgres") -> str:
        """SQLAlchemy async URL of database ``name`` on this cluster."""
        self._check_name(name)
        if self.port is None:
            raise PostgresError("the cluster is not started")
        return f"postgresql+asyncpg://{self.user}@{self.host}:{self.port}/{name}"

    @property
    def dsn(self) -> str:
        """libpq/asyncpg DSN of the maintenance database ``postgres``."""
        if self.port is None:
            raise PostgresError("the cluster is not started")
        return f"postgresql://{self.user}@{self.host}:{self.port}/postgres"

    def create_database(self, name: str, template: str | None = None) -> str:
        """CREATE DATABASE ``name``, a copy of database ``template`` when given (nobody may be
        connected to it); returns its SQLAlchemy async URL."""
        self._check_name(name)
        if template is None:
            self.execute(f'CREATE DATABASE "{name}"')
        else:
            self._check_name(template)
            self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE ``name`` if it exists, disconnecting its sessions."""
        self._check_name(name)
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def execute(self, sql: str) -> None:
        """Run one SQL statement as the superuser in the ``postgres`` database."""
        if not self.running:
            raise PostgresError("the cluster is not running")
        psql = self.bindir / "psql" if self.bindir else None
        if psql is not None and os.access(psql, os.X_OK):
            result = subprocess.run(
                [str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.dsn, "-c", sql],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                stdin=subprocess.DEVNULL,
            )
            if result.returncode != 0:
                raise PostgresError(f"{sql!r} failed: {result.stderr.strip()}")
            return
        self._execute_asyncpg(sql)

    def _execute_asyncpg(self, sql: str) -> None:
        # A private thread and event loop, so this works inside a running loop too.
        failure: list[BaseException] = []

        async def run() -> None:
            import asyncpg

            conn = await asyncpg.connect(self.dsn)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        def target() -> None:
            try:
                asyncio.run(run())
            except BaseException as exc:
                failure.append(exc)

        thread = threading.Thread(target=target, name="throwaway-postgres-sql")
        thread.start()
        thread.join()
        if failure:
            raise PostgresError(f"{sql!r} failed: {failure[0]}") from failure[0]

    @staticmethod
    def _check_name(name: str) -> None:
        if not _DB_NAME.match(name):
            raise ValueError(f"unsafe database name {name!r}: use letters, digits and _")
