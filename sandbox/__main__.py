"""``python -m sandbox``: the offline Telegram as its own process."""

from __future__ import annotations

import argparse
import asyncio

from sandbox.limits import Limits
from sandbox.server import DEFAULT_TOKEN, SandboxServer


async def serve(args: argparse.Namespace) -> None:
    server = SandboxServer(
        token=args.token,
        bot_username=args.username,
        host=args.host,
        port=args.port,
        limits=Limits() if not args.no_limits else Limits(None, None, 3, None),
    )
    await server.start()
    print(f"sandbox Bot API at {server.url}/bot{server.token}/METHOD", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--username", default="tinbao_sandbox_bot")
    parser.add_argument("--no-limits", action="store_true")
    try:
        asyncio.run(serve(parser.parse_args()))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
