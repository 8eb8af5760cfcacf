"""``tinbao run`` on a SQLite database whose file system turns read-only while it runs:
``TINBAO_TEST_READ_ONLY_FLAG=PATH python -m tests.support.read_only_run run``.

Once the file ``PATH`` exists every transaction runs with ``PRAGMA query_only``, so reads work
and each write fails with SQLite's own "attempt to write a readonly database" — the error a
read-only file system gives — while the rest of ``tinbao run`` is the real thing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.cli.main import main

FLAG = Path(os.environ.get("TINBAO_TEST_READ_ONLY_FLAG", "read-only"))


@event.listens_for(Engine, "begin")
def _refuse_writes(connection: Any) -> None:
    if FLAG.exists():
        connection.exec_driver_sql("PRAGMA query_only=ON")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
