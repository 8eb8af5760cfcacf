"""``GET /metrics`` on the webhook server: what ``tinbao doctor`` reads of the database, in
Prometheus' text exposition format, for a monitoring system that scrapes rather than runs a
command. Written by hand: five gauges do not earn a dependency. Only counts and ages: no chat,
no person, no tip."""

from __future__ import annotations

import math

from aiohttp import web

from bot.core.clock import Clock
from storage.db import Database
from storage.operations.health import TIP_CLOCKS, backlog, last_run, unit_chats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def gauge(name: str, help_text: str, value: float) -> str:
    shown = "NaN" if math.isnan(value) else f"{value:g}"
    return f"# HELP {name} {help_text}\n# TYPE {name} gauge\n{name} {shown}\n"


def add_metrics(app: web.Application, database: Database, clock: Clock) -> None:
    async def metrics(_: web.Request) -> web.Response:
        now = clock.now()
        queues = await backlog(database, now)
        swept = await last_run(database, TIP_CLOCKS)
        waiting = (now - queues.oldest_waiting).total_seconds() if queues.oldest_waiting else 0.0
        body = "".join(
            (
                gauge(
                    "tinbao_outbox_oldest_waiting_seconds",
                    "Age of the oldest message due and not yet sent (0: none waiting).",
                    max(0.0, waiting),
                ),
                gauge(
                    "tinbao_outbox_failed_messages",
                    "Messages the sender gave up on.",
                    queues.failed_outbox,
                ),
                gauge("tinbao_inbox_dead_updates", "Updates given up on.", queues.dead_inbox),
                gauge(
                    "tinbao_tip_clock_sweep_age_seconds",
                    "Seconds since the tip clocks were last checked (NaN: never).",
                    (now - swept).total_seconds() if swept else math.nan,
                ),
                gauge("tinbao_units", "Police units.", len(await unit_chats(database))),
            )
        )
        return web.Response(body=body.encode(), headers={"Content-Type": CONTENT_TYPE})

    app.router.add_get("/metrics", metrics)
