"""A unit of work: one transaction and the repositories that share it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.core.keyring import Keyring
from storage.campaigns.campaigns import CampaignRepository, SubscriberRepository
from storage.chats import ChatProfileRepository
from storage.db import Database
from storage.flow_states import DialogRepository
from storage.inbox import InboxRepository
from storage.outbox import OutboxRepository
from storage.patrols.patrols import PatrolRepository
from storage.reports.activity import ActivityFigureRepository
from storage.reports.requests import ReportRequestRepository
from storage.reports.sent import ReportSentRepository
from storage.reports.tips import TipFigureRepository
from storage.tips.threads import TipClockRepository, TipThreadRepository
from storage.tips.tips import TipRepository
from storage.units.units import InviteRepository, OfficerRepository, UnitRepository


@dataclass(slots=True)
class UnitOfWork:
    """The repositories of one transaction. Its session stays inside storage: whatever the
    layers above need of it (a flush, a reload) is a repository method."""

    inbox: InboxRepository
    outbox: OutboxRepository
    chats: ChatProfileRepository
    units: UnitRepository
    officers: OfficerRepository
    invites: InviteRepository
    tips: TipRepository
    dialogs: DialogRepository
    patrols: PatrolRepository
    tip_threads: TipThreadRepository
    tip_clocks: TipClockRepository
    subscribers: SubscriberRepository
    campaigns: CampaignRepository
    reports: TipFigureRepository
    report_sent: ReportSentRepository
    report_activity: ActivityFigureRepository
    report_requests: ReportRequestRepository


class Storage:
    """The database plus the keyring: everything needed to open a unit of work."""

    def __init__(self, database: Database, keyring: Keyring) -> None:
        self.database = database
        self.keyring = keyring

    @asynccontextmanager
    async def transaction(self, durable: bool = False) -> AsyncIterator[UnitOfWork]:
        """Commit on success, roll back on any exception; ``durable``: synced to disk."""
        async with self.database.session(durable) as session:
            yield UnitOfWork(
                inbox=InboxRepository(session, self.keyring),
                outbox=OutboxRepository(session, self.keyring),
                chats=ChatProfileRepository(session),
                units=UnitRepository(session),
                officers=OfficerRepository(session),
                invites=InviteRepository(session),
                tips=TipRepository(session, self.keyring),
                dialogs=DialogRepository(session),
                patrols=PatrolRepository(session),
                tip_threads=TipThreadRepository(session),
                tip_clocks=TipClockRepository(session),
                subscribers=SubscriberRepository(session, self.keyring),
                campaigns=CampaignRepository(session, self.keyring),
                reports=TipFigureRepository(session),
                report_sent=ReportSentRepository(session),
                report_activity=ActivityFigureRepository(session),
                report_requests=ReportRequestRepository(session, self.keyring),
            )

    async def close(self) -> None:
        await self.database.close()
