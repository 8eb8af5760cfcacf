"""``python -m sandbox``: the offline Telegram as its own process.

It prints one line once it listens, then serves until interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from sandbox.limits import Limits
from sandbox.server import DEFAULT_TOKEN, SandboxServer


async def serve(args: argparse.Namespace) -> None:
    limits = Limits()
    if args.no_limits:
        limits = Limits(global_per_second=None, private_per_second=None, group_per_minute=None)
    server = SandboxServer(
        token=args.token,
        bot_username=args.username,
        host=args.host,
        port=args.port,
        limits=limits,
        privacy_mode=not args.no_privacy,
    )
    await server.start()
    print(
        f"sandbox Bot API at {server.url}/bot{server.token}/METHOD, people at {server.url}/sandbox",
        flush=True,
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGTERM, stopping.set)
    try:
        await stopping.wait()
    finally:
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--username", default="tinbao_sandbox_bot")
    parser.add_argument("--no-limits", action="store_true", help="switch flood limits off")
    parser.add_argument(
        "--no-privacy", action="store_true", help="the bot reads every group message"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
