"""The context a domain use case takes, for tests that call the domain directly."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.core.clock import Clock
from bot.core.keyring import Keyring
from bot.core.settings import load_settings
from bot.domain.services import Services
from bot.domain.units.communes import CommuneDirectory
from bot.domain.use_case import UseCase
from storage.uow import UnitOfWork
from tests.support.service import SECRET


def services_for(keyring: Keyring, admin_ids: Iterable[int] = (), **settings: object) -> Services:
    """The services with the default configuration (no .env, no environment), in Vietnamese;
    ``settings`` override single settings."""
    return Services(
        settings=load_settings(_env_file=None, secret_key=SECRET, **settings),
        keyring=keyring,
        default_language="vi",
        directory=CommuneDirectory.load(),
        admin_ids=frozenset(admin_ids),
    )


def use_case(
    uow: UnitOfWork, keyring: Keyring, now: datetime | None = None, admin_ids: Iterable[int] = ()
) -> UseCase:
    """A use case in the transaction of ``uow``, at ``now`` (the real clock by default)."""
    return UseCase(services_for(keyring, admin_ids), uow, now or Clock().now())
