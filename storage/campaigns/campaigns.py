"""Subscribers, campaigns, their runs and per-recipient deliveries.

A run's recipients are written as delivery rows in the transaction that starts the run; the
feeder then moves them into the outbox batch by batch, each delivery marked "queued" with its
outbox row id in the same transaction as the outbox row itself. So a crash loses no recipient
and queues none twice; the outbox row's status is the delivery's outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.keyring import Keyring
from storage.campaigns.models import (
    Campaign,
    CampaignDelivery,
    CampaignRun,
    CampaignStatus,
    DeliveryStatus,
    Subscriber,
)
from storage.models import OutboxMessage, OutboxStatus
from storage.outbox import BROADCAST, Destination, waiting
from storage.upsert import rowcount, table_of

SUBSCRIBER_SEAL = b"subscriber"
CAMPAIGN_PURPOSE = BROADCAST
DUE_BATCH = 50  # campaigns started per tick: each writes its run's deliveries
# Run by every /language: Core, built once (no ORM bulk-update handling, a kept cache key).
SET_LANGUAGE = (
    update(table_of(Subscriber))
    .where(table_of(Subscriber).c.lane == bindparam("of_lane"))
    .values(language=bindparam("to_language"))
)


@dataclass(frozen=True, slots=True)
class RunStats:
    targeted: int
    sent: int
    failed: int
    blocked: int
    dropped: int
    waiting: int

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.blocked + self.dropped


@dataclass(frozen=True, slots=True)
class Recipient:
    delivery_id: int
    run_id: int
    destination: Destination | None  # None: unsubscribed since the run started
    language: str


class SubscriberRepository:
    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self._session = session
        self._keyring = keyring

    async def get(self, lane: str) -> Subscriber | None:
        statement = select(Subscriber).where(col(Subscriber.lane) == lane)
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def subscribe(
        self,
        destination: Destination,
        commune_code: str,
        province_code: str,
        language: str,
        now: datetime,
    ) -> Subscriber:
        """Subscribe the chat to its commune's messages, or move an existing subscription."""
        subscriber = await self.get(destination.lane)
        if subscriber is None:
            subscriber = Subscriber(
                lane=destination.lane,
                chat=self._keyring.seal_json(destination.chat_id, SUBSCRIBER_SEAL),
                commune_code=commune_code,
                province_code=province_code,
                language=language,
                created_at=now,
            )
            self._session.add(subscriber)
        else:
            subscriber.commune_code, subscriber.province_code = commune_code, province_code
            subscriber.language = language
        await self._session.flush()
        return subscriber

    async def set_language(self, lane: str, language: str) -> None:
        connection = await self._session.connection()
        await connection.execute(SET_LANGUAGE, {"of_lane": lane, "to_language": language})

    async def remove(self, lane: str) -> bool:
        """Forget the chat entirely; False if it was not subscribed."""
        result = await self._session.execute(delete(Subscriber).where(col(Subscriber.lane) == lane))
        return bool(rowcount(result))

    async def count(self, audience: str, codes: list[str]) -> int:
        statement = select(func.count()).select_from(Subscriber)
        statement = statement.where(*_audience_filter(audience, codes))
        return int((await self._session.execute(statement)).scalar_one())

    def destination(self, subscriber: Subscriber) -> Destination:
        chat_id = int(self._keyring.open_json(subscriber.chat, SUBSCRIBER_SEAL))
        return Destination(chat_id, "private", subscriber.lane)


def _audience_filter(audience: str, codes: list[str]) -> list[Any]:
    if audience == "province":
        return [col(Subscriber.province_code).in_(codes)]
    if audience in ("communes", "near"):  # near: the communes within the radius, stored
        return [col(Subscriber.commune_code).in_(codes)]
    return []


class CampaignRepository:
    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self._session = session
        self._keyring = keyring

    async def add(self, campaign: Campaign) -> Campaign:
        self._session.add(campaign)
        await self._session.flush()
        return campaign

    async def get(self, campaign_id: int) -> Campaign | None:
        return await self._session.get(Campaign, campaign_id)

    async def save(self, campaign: Campaign) -> Campaign:
        """Write the changes made to a campaign read in this transaction."""
        await self._session.flush()
        return campaign

    async def all(self, unit_id: int | None = None) -> list[Campaign]:
        statement = select(Campaign).order_by(col(Campaign.id))
        if unit_id is not None:
            statement = statement.where(col(Campaign.unit_id) == unit_id)
        return list((await self._session.execute(statement)).scalars().all())

    async def due(
        self, now: datetime, limit: int = DUE_BATCH, kind: str | None = None
    ) -> list[Campaign]:
        """At most ``limit`` scheduled campaigns (of ``kind`` only, when given) whose next
        occurrence has come, earliest first, through ``ix_campaign_due``: the rest wait for
        the next tick."""
        statement = (
            select(Campaign)
            .where(
                col(Campaign.status) == CampaignStatus.SCHEDULED, col(Campaign.next_run_at) <= now
            )
            .order_by(col(Campaign.next_run_at))
            .limit(limit)
        )
        if kind is not None:
            statement = statement.where(col(Campaign.kind) == kind)
        return list((await self._session.execute(statement)).scalars().all())

    async def move_next_run(
        self, campaign_id: int, expected: datetime | None, next_run_at: datetime | None
    ) -> bool:
        """Advance the schedule only if nobody else did (several workers may tick at once)."""
        result = await self._session.execute(
            update(Campaign)
            .where(col(Campaign.id) == campaign_id, col(Campaign.next_run_at) == expected)
            .values(next_run_at=next_run_at)
        )
        return rowcount(result) == 1

    async def set_status(self, campaign_id: int, status: str) -> None:
        await self._session.execute(
            update(Campaign).where(col(Campaign.id) == campaign_id).values(status=status)
        )

    # runs -----------------------------------------------------------------------------------
    async def start_run(
        self, campaign: Campaign, scheduled_for: datetime, codes: list[str], now: datetime
    ) -> CampaignRun:
        """Create the run and one pending delivery per current subscriber of the audience, in
        one INSERT … SELECT: the recipients are fixed when the run starts."""
        assert campaign.id is not None
        run = CampaignRun(campaign_id=campaign.id, scheduled_for=scheduled_for, started_at=now)
        self._session.add(run)
        await self._session.flush()
        assert run.id is not None
        recipients = select(
            literal(run.id), col(Subscriber.id), literal(DeliveryStatus.PENDING)
        ).where(*_audience_filter(campaign.audience, codes))
        await self._session.execute(
            insert(CampaignDelivery).from_select(["run_id", "subscriber_id", "status"], recipients)
        )
        run.targeted = await self._count_deliveries(run.id)
        await self._session.flush()
        return run

    async def _count_deliveries(self, run_id: int) -> int:
        statement = select(func.count()).where(col(CampaignDelivery.run_id) == run_id)
        return int((await self._session.execute(statement)).scalar_one())

    async def runs(self, campaign_id: int) -> list[CampaignRun]:
        statement = (
            select(CampaignRun)
            .where(col(CampaignRun.campaign_id) == campaign_id)
            .order_by(col(CampaignRun.id))
        )
        return list((await self._session.execute(statement)).scalars().all())

    async def latest_run(self, campaign_id: int) -> CampaignRun | None:
        runs = await self.runs(campaign_id)
        return runs[-1] if runs else None

    async def open_runs(self) -> list[tuple[CampaignRun, Campaign]]:
        """The runs in progress with their campaigns, through ``ix_campaign_run_open``: the
        finished runs of years past are never read."""
        statement = (
            select(CampaignRun, Campaign)
            .join(Campaign, col(Campaign.id) == col(CampaignRun.campaign_id))
            .where(col(CampaignRun.finished_at).is_(None))
            .order_by(col(CampaignRun.id))
        )
        return [(run, campaign) for run, campaign in (await self._session.execute(statement))]

    async def in_outbox(self) -> int:
        """Campaign messages queued in the outbox and not yet sent."""
        statement = select(func.count()).where(
            col(OutboxMessage.purpose) == CAMPAIGN_PURPOSE, waiting()
        )
        return int((await self._session.execute(statement)).scalar_one())

    async def runs_in_outbox(self) -> set[int]:
        """The runs with a message waiting in the outbox, read from the outbox's few waiting
        campaign messages (``ix_outbox_waiting``), each to its delivery by
        ``ix_campaign_delivery_outbox``: such a run is not over, and counting its
        deliveries (thousands) would tell nothing more."""
        calls = select(col(OutboxMessage.id)).where(
            col(OutboxMessage.purpose) == CAMPAIGN_PURPOSE, waiting()
        )
        statement = (
            select(col(CampaignDelivery.run_id))
            .where(col(CampaignDelivery.outbox_id).in_(calls))
            .distinct()
        )
        return {int(run_id) for run_id in (await self._session.execute(statement)).scalars()}

    async def next_recipients(self, run_ids: list[int], limit: int) -> list[Recipient]:
        """The next pending deliveries of these runs (by run, then in order), locked against
        other feeders. One run at a time, each in the order of
        ``ix_campaign_delivery_status``: the first ``limit`` of a run of thousands are read
        without sorting its pending deliveries."""
        recipients: list[Recipient] = []
        for run_id in sorted(run_ids):
            if len(recipients) >= limit:
                break
            recipients += await self._next_of_run(run_id, limit - len(recipients))
        return recipients

    async def _next_of_run(self, run_id: int, limit: int) -> list[Recipient]:
        statement = (
            select(CampaignDelivery, Subscriber)
            .outerjoin(Subscriber, col(Subscriber.id) == col(CampaignDelivery.subscriber_id))
            .where(
                col(CampaignDelivery.status) == DeliveryStatus.PENDING,
                col(CampaignDelivery.run_id) == run_id,
            )
            .order_by(col(CampaignDelivery.id))
            .limit(limit)
            .with_for_update(of=CampaignDelivery, skip_locked=True)
        )
        recipients = []
        for delivery, subscriber in await self._session.execute(statement):
            assert delivery.id is not None
            if subscriber is None:
                recipients.append(Recipient(delivery.id, delivery.run_id, None, ""))
            else:
                chat_id = int(self._keyring.open_json(subscriber.chat, SUBSCRIBER_SEAL))
                destination = Destination(chat_id, "private", subscriber.lane)
                recipients.append(
                    Recipient(delivery.id, delivery.run_id, destination, subscriber.language)
                )
        return recipients

    async def mark_queued(self, pairs: list[tuple[int, int]]) -> None:
        """Record each delivery's outbox row (delivery id, outbox id)."""
        if not pairs:
            return
        table = table_of(CampaignDelivery)
        statement = (
            update(table)
            .where(table.c.id == bindparam("delivery_id"))
            .values(status=DeliveryStatus.QUEUED, outbox_id=bindparam("outbox_id"))
        )
        await self._session.execute(
            statement, [{"delivery_id": d, "outbox_id": o} for d, o in pairs]
        )

    async def mark_dropped(self, delivery_ids: list[int]) -> None:
        if delivery_ids:
            await self._session.execute(
                update(CampaignDelivery)
                .where(col(CampaignDelivery.id).in_(delivery_ids))
                .values(status=DeliveryStatus.DROPPED)
            )

    async def drop_pending(self, campaign_id: int) -> int:
        """A cancelled campaign sends nothing more."""
        runs = select(col(CampaignRun.id)).where(col(CampaignRun.campaign_id) == campaign_id)
        result = await self._session.execute(
            update(CampaignDelivery)
            .where(
                col(CampaignDelivery.run_id).in_(runs),
                col(CampaignDelivery.status) == DeliveryStatus.PENDING,
            )
            .values(status=DeliveryStatus.DROPPED)
        )
        return rowcount(result)

    async def has_pending(self, run_id: int) -> bool:
        """Whether some recipients of the run are not in the outbox yet (a cheap check)."""
        statement = (
            select(col(CampaignDelivery.id))
            .where(
                col(CampaignDelivery.status) == DeliveryStatus.PENDING,
                col(CampaignDelivery.run_id) == run_id,
            )
            .limit(1)
        )
        return (await self._session.execute(statement)).first() is not None

    async def stats(self, run_id: int) -> RunStats:
        """Per-recipient outcome of a run: its deliveries joined with their outbox rows."""
        statement = (
            select(col(CampaignDelivery.status), col(OutboxMessage.status), func.count())
            .outerjoin(OutboxMessage, col(OutboxMessage.id) == col(CampaignDelivery.outbox_id))
            .where(col(CampaignDelivery.run_id) == run_id)
            .group_by(col(CampaignDelivery.status), col(OutboxMessage.status))
        )
        counts = {"sent": 0, "failed": 0, "blocked": 0, "dropped": 0, "waiting": 0}
        total = 0
        for delivery_status, outbox_status, count in await self._session.execute(statement):
            total += count
            if delivery_status == DeliveryStatus.DROPPED:
                counts["dropped"] += count
            elif outbox_status in (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.BLOCKED):
                counts[outbox_status] += count
            else:
                counts["waiting"] += count
        return RunStats(targeted=total, **counts)

    async def finish_run(self, run: CampaignRun, stats: RunStats, now: datetime) -> None:
        run.finished_at = now
        run.sent, run.failed, run.blocked = stats.sent, stats.failed, stats.blocked
        await self._session.flush()
