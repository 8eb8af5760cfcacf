"""Run tinbao's real service against the sandbox: in-process, or as a subprocess to kill."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.core.clock import Clock
from bot.core.settings import Settings, load_settings
from bot.runtime.service import Service
from handlers import register

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-secret-key-0123456789abcdef-0123456789abcdef"
# Campaign tests on the wall clock must not depend on the hour they run at; quiet hours are
# tested under a frozen clock (tests/campaigns/test_quiet_hours.py).
NO_QUIET_HOURS = "00:00-00:00"


def settings_for(sandbox: Any, database_url: str, **overrides: Any) -> Settings:
    return load_settings(
        bot_token=sandbox.token,
        telegram_api_url=overrides.pop("telegram_api_url", sandbox.url),
        database_url=database_url,
        secret_key=SECRET,
        poll_timeout=overrides.pop("poll_timeout", 5),
        quiet_hours=overrides.pop("quiet_hours", NO_QUIET_HOURS),
        **overrides,
    )


@asynccontextmanager
async def running_service(
    sandbox: Any, database_url: str, clock: Clock | None = None, **overrides: Any
) -> AsyncIterator[Service]:
    service = Service(settings_for(sandbox, database_url, **overrides), register, clock)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


class ServiceProcess:
    """``tinbao run`` as a child process, for crash tests; ``module`` runs it through a wrapper
    (e.g. ``tests.support.read_only_run``) instead of ``bot``."""

    def __init__(
        self, sandbox: Any, database_url: str, log_path: Path, module: str = "bot", **env: str
    ) -> None:
        self._module = module
        self._env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TINBAO_")},
            "TINBAO_BOT_TOKEN": sandbox.token,
            "TINBAO_TELEGRAM_API_URL": sandbox.url,
            "TINBAO_DATABASE_URL": database_url,
            "TINBAO_SECRET_KEY": SECRET,
            "TINBAO_POLL_TIMEOUT": "5",
            "TINBAO_LOG_LEVEL": "DEBUG",
            "TINBAO_QUIET_HOURS": NO_QUIET_HOURS,
            "PYTHONPATH": str(ROOT),
            **env,
        }
        self._log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self._log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self._module, "run"],
            env=self._env,
            stdout=log,
            stderr=log,
            cwd=self._log_path.parent,
        )
        log.close()

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.process.wait, 30)

    async def terminate(self, timeout: float = 60) -> int:
        """SIGTERM, then wait off the event loop: the sandbox in this process must keep
        answering the calls the service finishes while it stops."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.process.wait, timeout)
