"""What the ``tinbao`` command accepts: a parser whose every refusal is one line, the checked
number types its options use, and the one-line failure a command raises."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from bot.core.i18n import t
from bot.core.settings import ConfigError, load_settings

INVITE_HOURS = (0.0, 720.0)  # an invite code works for at most 30 days
# An audit link is a SHA-256 in hex; a prefix shorter than this could match by chance.
LINK_PREFIX = 16
LINK_LENGTH = 64


def language() -> str:
    """The operator's language for CLI output; settings problems surface in the command."""
    try:
        return load_settings().language
    except ConfigError:
        return "vi"


class Parser(argparse.ArgumentParser):
    """An argument parser that refuses bad input in one line on stderr, not a usage block.

    A value refused by an option's type is raised (``exit_on_error=False``) so that ``main``
    words it from the catalog; the parser's own refusals (a missing option, an unknown
    command) are printed here, also in one line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("exit_on_error", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message}", file=sys.stderr)
        sys.exit(2)


def _bounded(problem: str, low: float, high: float, *, open_low: bool) -> Callable[[str], float]:
    """A number type for argparse: finite, above (or from) ``low`` and at most ``high``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        above = value > low if open_low else value >= low
        if not (math.isfinite(value) and above and value <= high):
            raise argparse.ArgumentTypeError(
                t(problem, language(), value=text, low=_shown(low), high=_shown(high))
            )
        return value

    return parse


def _shown(limit: float) -> str:
    return f"{limit:g}"


hours = _bounded("cli.bad_hours", *INVITE_HOURS, open_low=True)
latitude = _bounded("cli.bad_latitude", -90.0, 90.0, open_low=False)
longitude = _bounded("cli.bad_longitude", -180.0, 180.0, open_low=False)


def port(text: str) -> int:
    """A TCP port a server may listen on."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(t("cli.bad_port", language(), value=text))
    return value


def chain_link(text: str) -> str:
    """An audit chain link's hash, or a prefix of it long enough to name one link."""
    value = text.strip().lower()
    if not (LINK_PREFIX <= len(value) <= LINK_LENGTH) or value.strip("0123456789abcdef"):
        raise argparse.ArgumentTypeError(
            t("cli.bad_link", language(), value=text, low=LINK_PREFIX, high=LINK_LENGTH)
        )
    return value


def refusal(error: argparse.ArgumentError) -> str:
    """One line for a value an option refused."""
    option = error.argument_name or "tinbao"
    return t("cli.bad_argument", language(), option=option, problem=error.message)
