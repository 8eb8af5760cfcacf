"""What one use case works with besides its own arguments: the process-wide services, the unit
of work its changes are written through, and the moment it happens.

A use case (file a tip, acknowledge it, fire a clock, add a checkpoint…) takes a ``UseCase``
first, then only what is its own (the tip, the draft, who acts). Whoever starts it builds one:
a handler for the update it handles (``TinbaoContext.use_case``), a scheduled job or the
outbox sender for the transaction it opened, the CLI for its command. Every audit event, state
change and message the use case causes goes through ``uow``, so it commits (or not) with the
rest of that transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.keyring import Keyring
from bot.core.settings import Settings
from bot.domain.services import Services
from bot.domain.tips.clocks import TipClockPolicy
from bot.domain.units.communes import CommuneDirectory
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class UseCase:
    """``source_update_id``: the Telegram update that asked for it, so what it queues in the
    outbox is answered in that update's order (None for jobs and the CLI)."""

    services: Services
    uow: UnitOfWork
    now: datetime
    source_update_id: int | None = None

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def keyring(self) -> Keyring:
        return self.services.keyring

    @property
    def directory(self) -> CommuneDirectory:
        return self.services.directory

    @property
    def admin_ids(self) -> frozenset[int]:
        return self.services.admin_ids

    @property
    def clocks(self) -> TipClockPolicy:
        """The tip clocks' policy: deadlines on cards and when alerts fire."""
        return self.services.tip_clocks

    @property
    def language(self) -> str:
        """The service's language: what police groups, cards and administrators read (a
        resident is written to in their own language, which the use case knows)."""
        return self.services.default_language
