"""GET /metrics on the webhook server: the doctor's figures for a monitoring system that
scrapes, in Prometheus' text format."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.core.clock import Clock
from bot.runtime.metrics import add_metrics
from sandbox.server import SandboxServer
from storage.operations.health import TIP_CLOCKS, record_run
from storage.outbox import Destination
from storage.uow import Storage
from tests.support.service import running_service
from tests.support.tips import FAST, linked_group


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


def values(text: str) -> dict[str, float]:
    """Each sample's value by its name; comment lines must be HELP or TYPE."""
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert line.split()[1] in ("HELP", "TYPE"), line
            continue
        name, value = line.split(" ")
        samples[name] = float(value)
    return samples


async def scrape(storage: Storage) -> tuple[str, str]:
    app = web.Application()
    add_metrics(app, storage.database, Clock())
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/metrics")
        assert response.status == 200
        return response.headers["Content-Type"], await response.text()


async def test_the_metrics_say_the_queues_the_sweep_and_the_units(
    sandbox: SandboxServer, storage: Storage
) -> None:
    group = await linked_group(sandbox.client, storage)
    now = datetime.now(UTC)
    await record_run(storage.database, TIP_CLOCKS, now - timedelta(minutes=3))
    destination = Destination(group["id"], "group", storage.keyring.pseudonym("chat", group["id"]))
    async with storage.transaction() as uow:
        await uow.outbox.enqueue(
            destination, "sendMessage", {"text": "Xin chào"}, now - timedelta(minutes=12)
        )

    content_type, text = await scrape(storage)

    assert content_type.startswith("text/plain; version=0.0.4")
    samples = values(text)
    assert 720 <= samples["tinbao_outbox_oldest_waiting_seconds"] < 780
    assert 180 <= samples["tinbao_tip_clock_sweep_age_seconds"] < 240
    assert samples["tinbao_outbox_failed_messages"] == 0
    assert samples["tinbao_inbox_dead_updates"] == 0
    assert samples["tinbao_units"] == 1


async def test_clocks_never_swept_are_not_a_number(storage: Storage) -> None:
    _, text = await scrape(storage)
    assert "tinbao_tip_clock_sweep_age_seconds NaN" in text.splitlines()


async def test_the_webhook_server_serves_the_metrics(
    sandbox: SandboxServer, database_url: str
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    url = f"http://127.0.0.1:{port}/telegram"
    async with (
        running_service(
            sandbox, database_url, webhook_url=url, webhook_listen="127.0.0.1", webhook_port=port
        ),
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        assert response.status == 200
        assert values(await response.text())["tinbao_inbox_dead_updates"] == 0
