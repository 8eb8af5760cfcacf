"""Logging that carries no personal data.

Log lines name events, counts and exception *types*; never user ids, names, chat ids or message
text. Third-party libraries that log requests or whole updates are kept at WARNING, and
tracebacks are reduced to their frames, because exception messages can quote user input.

The webhook's web server (aiohttp) follows the same rule: its access log (one line per request,
with the caller's address) is kept at WARNING, and the errors it logs itself — "Error handling
request", "Unhandled exception", with a traceback whose message may quote the posted body —
become one line naming the exception's type and frames.
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
    "aiohttp.access",
)
WEB_SERVER_LOGGERS = ("aiohttp.server", "aiohttp.web")


class OneLine(logging.Filter):
    """Turn a record's traceback into one line: the exception's type and where it happened,
    never its message (which may hold a payload)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            record.msg = f"{record.getMessage()}: {type(exc).__name__} at {frames(exc)}"
            record.args = None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


ONE_LINE = OneLine()


def configure(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    tame_libraries()


def tame_libraries() -> None:
    """Hold third-party loggers to the policy above (idempotent)."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # A failed job's traceback may quote its statement's parameters; the service reports the
    # failure itself in one line (job and exception type).
    logging.getLogger("apscheduler.executors").setLevel(logging.CRITICAL)
    for name in WEB_SERVER_LOGGERS:
        logging.getLogger(name).addFilter(ONE_LINE)  # added once: Filterer skips duplicates


def frames(exc: BaseException) -> str:
    """Where an exception happened (file, line, function), without its message."""
    summary = traceback.extract_tb(exc.__traceback__)[-6:]
    return " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(summary)
    )
