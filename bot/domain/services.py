"""The process-wide collaborators every capability works with: configuration, the keyring, the
commune directory and the tip clocks' policy.

Plain Python, so the domain and the scheduler can take it without importing the Telegram
runtime; the runtime builds it once at start and hands it to handlers as well."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.core.keyring import Keyring
from bot.core.settings import Settings
from bot.domain.tips.clocks import TipClockPolicy
from bot.domain.units.communes import CommuneDirectory


@dataclass(slots=True)
class Services:
    """Process-wide collaborators (configuration, not state).

    ``settings`` is the whole configuration; a capability reads its own settings from it
    rather than adding a field here."""

    settings: Settings
    keyring: Keyring
    default_language: str
    directory: CommuneDirectory
    admin_ids: frozenset[int] = frozenset()
    draft_ttl: timedelta = timedelta(hours=24)
    tips_per_hour: int = 5
    tip_clocks: TipClockPolicy = field(default_factory=TipClockPolicy)

    @classmethod
    def from_settings(cls, settings: Settings, keyring: Keyring) -> Services:
        """The services as configured: what the service builds at start, and the CLI for a
        command that acts as the service would."""
        return cls(
            settings=settings,
            keyring=keyring,
            default_language=settings.language,
            directory=CommuneDirectory.load(),
            admin_ids=frozenset(settings.admin_ids),
            draft_ttl=timedelta(hours=settings.draft_ttl_hours),
            tips_per_hour=settings.tips_per_hour,
            tip_clocks=TipClockPolicy.from_settings(settings),
        )
