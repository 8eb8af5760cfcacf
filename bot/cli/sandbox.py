"""``tinbao sandbox``: the whole service on one machine, against the offline Telegram.

It starts the emulated Bot API, points the bot at it, keeps its data in the embedded SQLite
database, and prints how to talk to it with ``tinbao talk``.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.cli.init_env import ensure_secret
from bot.core import logs
from bot.core.clock import Clock
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.core.settings import load_settings
from bot.domain.services import Services
from bot.domain.units.setup import add_commune_unit
from bot.domain.use_case import UseCase
from bot.runtime.service import Service, run_until_signalled
from handlers import register
from sandbox.client import SandboxClient, SandboxTimeout
from sandbox.server import SandboxServer
from storage.schema import upgrade_async
from storage.uow import Storage

SANDBOX_TOKEN = "1000001:sandbox-token-for-offline-use"
BOT_USERNAME = "tinbao_sandbox_bot"
DEMO_USER_ID = 10001
DEMO_USER = {"first_name": "Người dân", "last_name": "Thử", "language_code": "vi"}
DEMO_OFFICER_ID = 10002
DEMO_OFFICER = {"first_name": "Trung úy", "last_name": "Minh", "language_code": "vi"}
QUIET_AFTER = 1.5  # seconds without a new message before `tinbao talk` stops listening
DEMO_COMMUNE = "26743"  # Phường Bến Thành, Hồ Chí Minh


async def seed_demo(server: SandboxServer, storage: Storage, services: Services) -> int:
    """A resident, a commune police group with one officer, linked to Phường Bến Thành: enough
    to file a tip and acknowledge it. Returns the group's chat id."""
    client = server.client
    await client.create_user(id=DEMO_USER_ID, **DEMO_USER)
    await client.create_user(id=DEMO_OFFICER_ID, **DEMO_OFFICER)
    group = await client.create_group("Công an phường Bến Thành", members=[DEMO_OFFICER_ID])
    async with storage.transaction() as uow:
        now = Clock().now()
        unit = await add_commune_unit(UseCase(services, uow, now), DEMO_COMMUNE, group["id"])
        assert unit.id is not None
        officer_name = f"{DEMO_OFFICER['first_name']} {DEMO_OFFICER['last_name']}"
        await uow.officers.add(unit.id, DEMO_OFFICER_ID, officer_name, now)
    return int(group["id"])


async def run_sandbox(host: str, port: int) -> None:
    ensure_secret(Path(".env"))
    settings = load_settings(bot_token=SANDBOX_TOKEN, telegram_api_url=f"http://{host}:{port}")
    if not settings.admin_ids:  # tips from communes without a unit reach the demo officer
        settings = settings.model_copy(update={"admin_ids": [DEMO_OFFICER_ID]})
    logs.configure(settings.log_level)
    await upgrade_async(settings.database_url)
    server = SandboxServer(token=SANDBOX_TOKEN, bot_username=BOT_USERNAME, host=host, port=port)
    try:
        await server.start()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise Refusal("cli.port_in_use", host=host, port=port, reason=reason) from None
    service = Service(settings, register)
    await service.start()
    group_id = await seed_demo(server, service.storage, service.services)
    print(
        t(
            "sandbox.banner",
            settings.language,
            api_url=server.url,
            bot_username=BOT_USERNAME,
            user_id=DEMO_USER_ID,
            client_command='tinbao talk "/start"',
            demo_url=f"{server.url}/sandbox/demo?resident={DEMO_USER_ID}"
            f"&officer={DEMO_OFFICER_ID}&group={group_id}",
        ),
        flush=True,
    )
    try:
        await run_until_signalled(service)
    finally:
        await server.stop()


async def talk(url: str, text: str, user_id: int | None, timeout: float) -> list[str]:
    """Send ``text`` as a sandbox user and return what the bot answered."""
    client = SandboxClient(url)
    try:
        return await _talk(client, text, user_id or DEMO_USER_ID, timeout)
    except aiohttp.ClientError:
        raise Refusal("cli.sandbox_unreachable", url=url) from None
    except SandboxTimeout:
        raise Refusal("cli.talk_no_answer", url=url, seconds=f"{timeout:g}") from None
    finally:
        await client.close()


async def _talk(client: SandboxClient, text: str, user: int, timeout: float) -> list[str]:
    """Say ``text`` as ``user``; every message the bot answers with, until it falls quiet."""
    await client.ensure_user(id=user, **DEMO_USER)
    before = len(await client.bot_messages(user))
    await client.send_text(user, user, text)
    messages = await client.wait_for_bot_messages(user, before + 1, timeout=timeout)
    while True:  # an answer may be several messages: take them until the bot falls quiet
        try:
            messages = await client.wait_for_bot_messages(
                user, len(messages) + 1, timeout=QUIET_AFTER
            )
        except SandboxTimeout:
            break
    return [m.get("text") or m.get("caption") or f"[{m.get('kind')}]" for m in messages[before:]]
