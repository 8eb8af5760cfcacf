"""Logging that carries no personal data.

Log lines name events, counts and exception *types*; never user ids, names, chat ids or message
text. Third-party libraries that log requests or whole updates are kept at WARNING, and
tracebacks are reduced to their frames, because exception messages can quote user input.
"""

from __future__ import annotations

import logging
import traceback

QUIET_LOGGERS = (
    "httpx",
    "httpcore",
    "telegram",
    "apscheduler",
    "aiosqlite",
    "sqlalchemy",
    "asyncio",
    "alembic",
)


def configure(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # A failed job's traceback may quote its statement's parameters; the service reports the
    # failure itself in one line (job and exception type).
    logging.getLogger("apscheduler.executors").setLevel(logging.CRITICAL)


def frames(exc: BaseException) -> str:
    """Where an exception happened (file, line, function), without its message."""
    summary = traceback.extract_tb(exc.__traceback__)[-6:]
    return " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(summary)
    )
