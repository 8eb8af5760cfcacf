"""Time the report pipeline on a country's worth of tips; target < 5 s, memory flat in the tips.

Run: ``python bench/reports.py [--tips N] [--database sqlite|postgresql|both] [--rebuild]``.
Builds a database of N tips (default: 100,000 and 1,000,000) over the 3,321 communes and five
years, with their history, police units, patrol teams and campaign runs, by bulk inserts
(``executemany`` on SQLite, ``COPY`` on PostgreSQL) into a schema made by Alembic. SQLite
databases are kept in the temporary folder, keyed by size and schema head, and reused; a
throwaway PostgreSQL cluster is filled again on each run (about a minute for a million tips).

Then, in a fresh process for each size so that peak memory is comparable, it makes the report
of the largest province (most communes) over its last full quarter through the functions of
``bot.domain.reports``: ``gather``, ``summary``, ``charts`` and ``write_workbook`` over
``register``, and prints the time of each step, the total, the process's peak RSS, and the
ratio of the largest size's peak to the smallest's (memory must not grow with the tips).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import machine

from bot.core.codes import ALPHABET
from bot.core.keyring import Keyring
from bot.domain.reports.charts import charts
from bot.domain.reports.gather import gather, province_area, register
from bot.domain.reports.period import PeriodKind, containing, today
from bot.domain.reports.summary import summary
from bot.domain.reports.workbook import write_workbook
from bot.domain.units.communes import Commune, CommuneDirectory
from bot.domain.use_case import UseCase
from storage.db import Database
from storage.schema import head_revision, upgrade
from storage.tips.tips import folded
from storage.uow import Storage
from tests.support.postgres import ThrowawayPostgres
from tests.support.service import SECRET
from tests.support.use_cases import services_for

TARGET_SECONDS = 5.0
# Peak memory at the largest size over the smallest: above this, memory grows with the tips.
FLAT_RATIO = 1.25
SIZES = (100_000, 1_000_000)
# The data ends here, so a cached database describes the same days whenever it is used.
END = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
YEARS = 5
CHUNK = 20_000
# Bump when the generated data changes: cached databases of another version are not reused.
VERSION = 3

# What residents report, in shares of 100 (the mix the pilot communes saw).
CATEGORIES = (
    ("theft", 24),
    ("fraud", 20),
    ("drugs", 14),
    ("gambling", 10),
    ("violence", 9),
    ("traffic", 11),
    ("fire", 2),
    ("other", 10),
)
CLOSINGS = (("resolved", 72), ("rejected", 22), ("duplicate", 6))
OUTCOMES = {
    "resolved": ("handled", "referred", "insufficient", "not_crime"),
    "rejected": ("false", "spam"),
    "duplicate": (None,),
}
OPEN = (("new", 15), ("acknowledged", 45), ("in_progress", 30), ("transferred", 10))
GENESIS = "0" * 64
# Descriptions for /find's word search, taken in turn (no draw, so the rest of the generated
# data is as before): a common phrase in a quarter of the tips, and a rare word in one tip of
# RARE_EVERY. ``folded`` is what the service stores beside each, for its word index.
_DESCRIPTIONS = (
    "(bench) Trộm xe máy trước nhà.",
    "(bench) Bán ma túy ở hẻm.",
    "(bench) Tụ tập đánh nhau ở chợ.",
    "(bench) Đánh bạc ở quán nước.",
)
RARE_EVERY = 50_000
RARE_DESCRIPTION = "(bench) Đánh bạc xóc đĩa ở quán nước."
_FOLDED = tuple(folded(text) for text in _DESCRIPTIONS)
RARE_FOLDED = folded(RARE_DESCRIPTION)
# Every tip field the bench generates; ``_present`` keeps those the migrated table has.
TIP_FIELDS = (
    "id",
    "code",
    "category",
    "commune_code",
    "province_code",
    "unit_id",
    "transferred_from",
    "latitude",
    "longitude",
    "description",
    "folded",
    "urgent",
    "attachments",
    "status",
    "tipster",
    "tipster_chat",
    "tipster_language",
    "created_at",
    "acknowledged_at",
    "acknowledged_by",
    "source",
    "outcome",
    "received_at",
    "closed_at",
    "held",
    "media",
    "notified_at",
    "transfers",
    "clock_due_at",
)
EVENT_COLUMNS = ("id", "tip_id", "at", "kind", "actor", "prev_hash", "hash")
UNIT_COLUMNS = ("id", "name", "level", "province_code", "chat_id", "created_at")
TEAM_COLUMNS = ("id", "unit_id", "name", "interval_minutes", "created_at")
TEAM_INTERVAL = 30  # minutes between check-ins
MEMBER_COLUMNS = ("id", "team_id", "user_id", "display_name", "leader", "joined_at")
CHECKPOINT_COLUMNS = ("id", "team_id", "name", "latitude", "longitude", "radius_m", "created_at")
SHIFT_COLUMNS = (
    "id",
    "team_id",
    "member_id",
    "started_at",
    "ended_at",
    "end_reason",
    "alert_stage",
    "watch_due_at",
)
PATROL_EVENT_COLUMNS = ("id", "team_id", "shift_id", "member_id", "kind", "at", "checkpoint_id")
SUBSCRIBER_COLUMNS = (
    "id",
    "lane",
    "chat",
    "commune_code",
    "province_code",
    "language",
    "created_at",
)
CAMPAIGN_COLUMNS = ("id", "title", "text", "audience", "area", "status", "unit_id", "created_at")
REPORT_SENT_COLUMNS = ("unit_id", "period", "sent_at")
INBOX_COLUMNS = (
    "update_id",
    "lane",
    "payload",
    "status",
    "attempts",
    "not_before",
    "received_at",
    "processed_at",
)
OUTBOX_COLUMNS = (
    "id",
    "lane",
    "chat_kind",
    "method",
    "request",
    "status",
    "attempts",
    "not_before",
    "purpose",
    "sent_message_id",
    "created_at",
    "sent_at",
    "purge_after",
)
DELIVERY_COLUMNS = ("id", "run_id", "subscriber_id", "status", "outbox_id")
HISTORY_MONTHS = 24  # monthly reports already sent to every unit before the last one
RUN_COLUMNS = (
    "id",
    "campaign_id",
    "scheduled_for",
    "started_at",
    "finished_at",
    "targeted",
    "sent",
    "failed",
    "blocked",
)


def weighted(pairs: tuple[tuple[Any, int], ...]) -> tuple[list[Any], list[int]]:
    values = [value for value, _ in pairs]
    cumulative, total = [], 0
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    return values, cumulative


def code_of(number: int) -> str:
    """A unique 8-character tip code: the number scrambled by a bijection modulo 31^8."""
    space = len(ALPHABET) ** 8
    value = (number * 1_000_003) % space
    letters = []
    for _ in range(8):
        value, digit = divmod(value, len(ALPHABET))
        letters.append(ALPHABET[digit])
    return "".join(letters)


# The data -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Batch:
    """Rows for one table, at most ``CHUNK`` of them: the table's rows come in several batches,
    each tip batch followed by its events', so that no more than a chunk is ever in memory."""

    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


class Country:
    """Deterministic data for ``tips`` tips: the same size always gives the same rows."""

    def __init__(self, tips: int, directory: CommuneDirectory) -> None:
        self.tips = tips
        self.communes: list[Commune] = sorted(directory.communes(), key=lambda c: c.code)
        self.provinces = sorted({c.province_code for c in self.communes})
        # Naive UTC throughout, as the columns store it (``storage.types.UTCDateTime``).
        self.end = END.replace(tzinfo=None)
        self.start = self.end - timedelta(days=365 * YEARS)
        chooser = random.Random(7)
        # Towns get many more tips than villages: a long-tailed weight per commune.
        weights = [chooser.lognormvariate(0, 1.0) for _ in self.communes]
        self.commune_cumulative = list(_accumulate(weights))
        # Unit ids: commune units 1..3321 in commune order, then one per province.
        self.province_unit = {p: len(self.communes) + 1 + i for i, p in enumerate(self.provinces)}
        self.teams = max(10, len(self.communes) // 5)
        self.shifts = max(100, tips // 10)
        self.subscribers = max(100, tips // 20)
        self.campaigns = 120
        self.run_sizes: list[tuple[int, int]] = []  # (run id, recipients), once generated
        self.runs = max(20, tips // 2_000)
        self.events = 0
        # The generated tip fields the table has (see ``_present``), read from the schema.
        self.tip_columns: tuple[str, ...] = ()
        self.province_names = {p.code: p.name for p in directory.provinces()}
        self.link = GENESIS

    def batches(self) -> Iterator[Batch]:
        """Every row, table after table, in the order foreign keys would want."""
        yield from self.units()
        for first in range(1, self.tips + 1, CHUNK):
            tips, events = self._tips(first, min(first + CHUNK, self.tips + 1))
            yield Batch("tip", self.tip_columns, tips)
            yield Batch("tip_event", EVENT_COLUMNS, self._chained(events))
        yield from self.patrols()
        yield from self.campaigns_and_runs()
        yield from self.job_history()

    # units -------------------------------------------------------------------------------
    def units(self) -> Iterator[Batch]:
        created = self.start - timedelta(days=30)
        units = [
            (i + 1, f"Công an {c.name}", "commune", c.province_code, -1_000_000_000 - i, created)
            for i, c in enumerate(self.communes)
        ]
        units += [
            (
                unit,
                f"Công an {self.province_names[p]}",
                "province",
                p,
                -2_000_000_000 - unit,
                created,
            )
            for p, unit in self.province_unit.items()
        ]
        yield Batch("police_unit", UNIT_COLUMNS, units)
        links = [(c.code, i + 1) for i, c in enumerate(self.communes)]
        yield Batch("unit_commune", ("commune_code", "unit_id"), links)

    # tips and their history --------------------------------------------------------------
    def _tips(self, first: int, after: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        chooser = random.Random(first)
        categories, category_weights = weighted(CATEGORIES)
        closings, closing_weights = weighted(CLOSINGS)
        opens, open_weights = weighted(OPEN)
        span = (self.end - self.start).total_seconds()
        rows: list[tuple[Any, ...]] = []
        history: list[tuple[Any, ...]] = []
        for number in range(first, after):
            # More tips every year: the share of time elapsed grows slower than the count.
            elapsed = (number / self.tips) ** 0.8 * span
            created = self.start + timedelta(seconds=elapsed + chooser.uniform(-3600, 3600))
            created = min(created, self.end - timedelta(minutes=1))
            index = _pick(self.commune_cumulative, chooser.random())
            commune = self.communes[index]
            unit = index + 1
            located = chooser.random() < 0.8
            patrol = chooser.random() < 0.04
            age_days = (self.end - created).total_seconds() / 86400
            closed = chooser.random() < min(0.97, age_days / 40)
            acknowledged = closed or chooser.random() < 0.85
            # Minutes to days to acknowledge: median about 25 minutes, capped at a week.
            waited = timedelta(seconds=min(chooser.lognormvariate(7.3, 1.3), 6e5))
            ack_at = min(created + waited, self.end) if acknowledged else None
            transfers = 1 if chooser.random() < 0.08 else 0
            # A transferred tip went up to the province's unit an hour after acknowledgement.
            moved_at = ack_at + timedelta(hours=1) if transfers and ack_at else None
            escalated = ack_at is None or ack_at - created > timedelta(hours=6)
            notified = (
                min(ack_at + timedelta(minutes=chooser.uniform(1, 600)), self.end)
                if ack_at
                else None
            )
            status, outcome, closed_at = "new", None, None
            if closed and ack_at is not None:
                status = closings[_pick(closing_weights, chooser.random() * 100)]
                outcome = chooser.choice(OUTCOMES[status])
                worked = timedelta(days=chooser.expovariate(1 / 9))
                closed_at = min((moved_at or ack_at) + worked, self.end)
            elif moved_at is not None:
                status = "transferred"
            elif acknowledged:
                status = opens[_pick(open_weights, chooser.random() * 100)]
                status = "acknowledged" if status in ("new", "transferred") else status
            tip = {
                "id": number,
                "code": code_of(number),
                "category": categories[_pick(category_weights, chooser.random() * 100)],
                "commune_code": commune.code,
                "province_code": commune.province_code,
                "unit_id": self.province_unit[commune.province_code] if moved_at else unit,
                "transferred_from": unit if moved_at else None,
                "latitude": commune.lat + chooser.gauss(0, 0.01) if located else None,
                "longitude": commune.lon + chooser.gauss(0, 0.01) if located else None,
                "description": _DESCRIPTIONS[number % len(_DESCRIPTIONS)]
                if number % RARE_EVERY
                else RARE_DESCRIPTION,
                "folded": _FOLDED[number % len(_FOLDED)] if number % RARE_EVERY else RARE_FOLDED,
                "urgent": chooser.random() < 0.05,
                "attachments": chooser.choice((0, 0, 0, 1, 2)),
                "status": status,
                "tipster": f"{chooser.getrandbits(128):032x}",
                "tipster_chat": chooser.randbytes(48),
                "tipster_language": "vi" if chooser.random() < 0.95 else "en",
                "created_at": created,
                "acknowledged_at": ack_at,
                "acknowledged_by": unit if ack_at else None,
                "source": "patrol" if patrol else "resident",
                "outcome": outcome,
                "received_at": moved_at or created,
                "closed_at": closed_at,
                "held": False,
                "media": "[]",
                # Columns of later migrations: written when the table has them.
                "notified_at": notified if notified and not patrol else None,
                "transfers": transfers,
                # As the upgrade that added it leaves an open tip: due from its receipt, so
                # the first sweep looks at each once and stores its real next moment.
                "clock_due_at": (moved_at or created) if closed_at is None else None,
            }
            if not self.tip_columns:
                raise RuntimeError("the tip table's columns are read from the schema first")
            rows.append(tuple(tip[name] for name in self.tip_columns))
            moments = [(created, "created", "tipster")]
            if escalated:
                moments.append((created + timedelta(hours=6), "escalated", "clock"))
            if ack_at is not None:
                moments.append((ack_at, "acknowledged", f"officer:{unit}"))
            if moved_at is not None:
                moments.append((moved_at, "transferred", f"officer:{unit}"))
            if closed_at is not None and status != "new":
                moments.append((closed_at, status, f"officer:{unit}"))
            for at, kind, actor in sorted(moments, key=lambda moment: moment[0]):
                self.events += 1
                history.append((self.events, number, at, kind, actor))
        return rows, history

    def _chained(self, events: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Events with the audit chain's links: a plain SHA-256 chain here, not the keyed one
        of ``Keyring.chain_link``, which nothing in the bench verifies."""
        linked = []
        for row in events:
            link = hashlib.sha256(f"{self.link}|{row[0]}|{row[3]}".encode()).hexdigest()
            linked.append((*row, self.link, link))
            self.link = link
        return linked

    # patrols -----------------------------------------------------------------------------
    def patrols(self) -> Iterator[Batch]:
        """Teams of three with two checkpoints each, one team per five communes, and shifts of
        2 to 6 hours spread over the years, each with its start, check-ins, end, and now and
        then a missed check-in or an incident."""
        chooser = random.Random(11)
        created = self.start - timedelta(days=20)
        teams, members, checkpoints = [], [], []
        for team in range(1, self.teams + 1):
            index = (team - 1) * 5 % len(self.communes)
            commune = self.communes[index]
            teams.append((team, index + 1, f"Tổ {team}", TEAM_INTERVAL, created))
            for seat in range(3):
                member = (team - 1) * 3 + seat + 1
                members.append(
                    (member, team, 9_000_000 + member, f"Tổ viên {member}", seat == 0, created)
                )
            for spot in range(2):
                point = (commune.lat + 0.002 * spot, commune.lon)
                checkpoints.append(
                    ((team - 1) * 2 + spot + 1, team, f"Chốt {spot + 1}", *point, 50, created)
                )
        yield Batch("patrol_team", TEAM_COLUMNS, teams)
        yield Batch("patrol_member", MEMBER_COLUMNS, members)
        yield Batch("patrol_checkpoint", CHECKPOINT_COLUMNS, checkpoints)
        span = (self.end - self.start).total_seconds()
        event = 0
        for first in range(1, self.shifts + 1, CHUNK):
            shifts, events = [], []
            for shift in range(first, min(first + CHUNK, self.shifts + 1)):
                team = chooser.randrange(self.teams) + 1
                member = (team - 1) * 3 + chooser.randrange(3) + 1
                started = self.start + timedelta(seconds=shift / self.shifts * span)
                hours = chooser.uniform(2, 6)
                ended = started + timedelta(hours=hours)
                open_now = ended > self.end
                shifts.append(
                    (
                        shift,
                        team,
                        member,
                        started,
                        None if open_now else ended,
                        None if open_now else "member",
                        0,
                        # as the service stores it: the first missed check-in, or none once ended
                        started + timedelta(minutes=TEAM_INTERVAL) if open_now else None,
                    )
                )
                kinds = ["start"] + ["check_in"] * chooser.randrange(1, 4)
                kinds += ["missed"] if chooser.random() < 0.1 else []
                kinds += ["incident"] if chooser.random() < 0.03 else []
                kinds += [] if open_now else ["end"]
                for step, kind in enumerate(kinds):
                    event += 1
                    at = started + timedelta(hours=hours * step / len(kinds))
                    place = (team - 1) * 2 + step % 2 + 1 if kind == "check_in" else None
                    events.append((event, team, shift, member, kind, at, place))
            yield Batch("patrol_shift", SHIFT_COLUMNS, shifts)
            yield Batch("patrol_event", PATROL_EVENT_COLUMNS, events)

    # campaigns ---------------------------------------------------------------------------
    def campaigns_and_runs(self) -> Iterator[Batch]:
        """Subscribers (one per 20 tips), campaigns to everyone, a province or three of its
        communes, and finished runs with their settled counts."""
        chooser = random.Random(13)
        created = self.start
        for first in range(1, self.subscribers + 1, CHUNK):
            subscribers = []
            for number in range(first, min(first + CHUNK, self.subscribers + 1)):
                commune = self.communes[_pick(self.commune_cumulative, chooser.random())]
                subscribers.append(
                    (
                        number,
                        f"{chooser.getrandbits(128):032x}",
                        chooser.randbytes(48),
                        commune.code,
                        commune.province_code,
                        "vi",
                        created,
                    )
                )
            yield Batch("subscriber", SUBSCRIBER_COLUMNS, subscribers)
        campaigns = []
        for number in range(1, self.campaigns + 1):
            audience = ("all", "province", "communes")[number % 3]
            province = self.provinces[number % len(self.provinces)]
            own = [c.code for c in self.communes if c.province_code == province]
            area = {"all": "", "province": province, "communes": ",".join(own[:3])}[audience]
            unit = None if audience == "all" else self.province_unit[province]
            campaigns.append(
                (
                    number,
                    f"Tuyên truyền {number}",
                    "Cảnh giác lừa đảo",
                    audience,
                    area,
                    "finished",
                    unit,
                    created,
                )
            )
        yield Batch("campaign", CAMPAIGN_COLUMNS, campaigns)
        runs = []
        span = (self.end - self.start).total_seconds()
        for number in range(1, self.runs + 1):
            started = self.start + timedelta(seconds=number / self.runs * span - 3600)
            targeted = chooser.randrange(50, 5_000)
            blocked = targeted // chooser.randrange(20, 60)
            failed = targeted // chooser.randrange(200, 1_000)
            runs.append(
                (
                    number,
                    chooser.randrange(self.campaigns) + 1,
                    started,
                    started,
                    started + timedelta(minutes=20),
                    targeted,
                    targeted - blocked - failed,
                    failed,
                    blocked,
                )
            )
        yield Batch("campaign_run", RUN_COLUMNS, runs)
        self.run_sizes = [(run[0], run[5]) for run in runs]

    # what the periodic jobs keep ----------------------------------------------------------
    def job_history(self) -> Iterator[Batch]:
        """The rows the periodic jobs leave behind and must not read again when nothing is
        due: two years of monthly reports sent to every unit (before last month's, which
        ``scale.py`` records), two days of handled updates and a week of delivered calls (one
        per ten and one per five tips: both still within their keep time; about no tip, so
        each with its ``purge_after`` from delivery, as the sender sets it), and the delivery
        rows of every finished campaign run."""
        chooser = random.Random(17)
        units = len(self.communes) + len(self.provinces)
        year, month = self.end.year, self.end.month - 1  # last month: recorded by scale.py
        sent = []
        for _ in range(HISTORY_MONTHS):
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
            at = datetime(year, month, 1) + timedelta(days=31)  # the next month's first days
            sent += [(unit, f"{year}-{month:02}", at) for unit in range(1, units + 1)]
        yield Batch("report_sent", REPORT_SENT_COLUMNS, sent)
        two_days = 2 * 86_400
        for first in range(1, self.tips // 10 + 1, CHUNK):
            updates = []
            for number in range(first, min(first + CHUNK, self.tips // 10 + 1)):
                received = self.end - timedelta(seconds=chooser.randrange(two_days - 60))
                handled = received + timedelta(seconds=1)
                lane = f"{chooser.getrandbits(64):016x}"
                updates.append(
                    (number, lane, chooser.randbytes(64), "done", 1, received, received, handled)
                )
            yield Batch("inbox_update", INBOX_COLUMNS, updates)
        week = 7 * 86_400
        for first in range(1, self.tips // 5 + 1, CHUNK):
            calls = []
            for number in range(first, min(first + CHUNK, self.tips // 5 + 1)):
                created = self.end - timedelta(seconds=chooser.randrange(week - 3_600))
                lane = f"{chooser.getrandbits(64):016x}"
                calls.append(
                    (
                        number,
                        lane,
                        "private",
                        "sendMessage",
                        chooser.randbytes(96),
                        "sent",
                        1,
                        created,
                        "reply",
                        number,
                        created,
                        created + timedelta(seconds=1),
                        created + timedelta(seconds=1),  # about no tip: purgeable from delivery
                    )
                )
            yield Batch("outbox_message", OUTBOX_COLUMNS, calls)
        deliveries: list[tuple[Any, ...]] = []
        number = 0
        for run, targeted in self.run_sizes:
            for subscriber in range(1, min(targeted, self.subscribers) + 1):
                number += 1
                deliveries.append((number, run, subscriber, "queued", None))
            if len(deliveries) >= CHUNK:
                yield Batch("campaign_delivery", DELIVERY_COLUMNS, deliveries)
                deliveries = []
        if deliveries:
            yield Batch("campaign_delivery", DELIVERY_COLUMNS, deliveries)


def _accumulate(weights: list[float]) -> Iterator[float]:
    total = sum(weights)
    running = 0.0
    for weight in weights:
        running += weight / total
        yield running


def _pick(cumulative: list[float] | list[int], point: float) -> int:
    """The index whose cumulative weight first exceeds ``point`` (binary search)."""
    low, high = 0, len(cumulative) - 1
    while low < high:
        middle = (low + high) // 2
        if cumulative[middle] > point:
            high = middle
        else:
            low = middle + 1
    return low


# Writing ----------------------------------------------------------------------------------
def build_sqlite(path: Path, tips: int, directory: CommuneDirectory) -> float:
    """Migrate with Alembic, then fill by ``executemany`` in one transaction; returns seconds."""
    began = time.perf_counter()
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    upgrade(f"sqlite+aiosqlite:///{partial}")
    sqlite3.register_adapter(datetime, lambda moment: f"{moment:%Y-%m-%d %H:%M:%S.%f}")
    connection = sqlite3.connect(partial)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        country = Country(tips, directory)
        country.tip_columns = _present(
            [row[1] for row in connection.execute("PRAGMA table_info(tip)")]
        )
        for batch in country.batches():
            marks = ", ".join("?" * len(batch.columns))
            names = ", ".join(batch.columns)
            statement = f"INSERT INTO {batch.table} ({names}) VALUES ({marks})"
            connection.executemany(statement, batch.rows)
        connection.commit()
        connection.execute("ANALYZE")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    partial.rename(path)
    return time.perf_counter() - began


async def build_postgresql(url: str, tips: int, directory: CommuneDirectory) -> float:
    """Migrate with Alembic, then fill by ``COPY``; returns seconds."""
    import asyncpg

    began = time.perf_counter()
    await asyncio.to_thread(upgrade, url)
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        country = Country(tips, directory)
        columns = await connection.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'tip'"
        )
        country.tip_columns = _present([row["column_name"] for row in columns])
        async with connection.transaction():
            filled = set()
            for batch in country.batches():
                await connection.copy_records_to_table(
                    batch.table, records=batch.rows, columns=list(batch.columns)
                )
                if "id" in batch.columns:
                    filled.add(batch.table)
            for table in sorted(filled):  # ids were given: move the sequences past them
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return time.perf_counter() - began


def _present(columns: list[str]) -> tuple[str, ...]:
    """The generated tip fields the table has: columns of later migrations only once there."""
    return tuple(name for name in TIP_FIELDS if name in columns)


def cached_sqlite(tips: int, folder: Path, rebuild: bool, directory: CommuneDirectory) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"reports-{tips}-{head_revision()}-v{VERSION}.db"
    if rebuild:
        path.unlink(missing_ok=True)
    if path.exists():
        print(f"  {tips:>9,} tips: cached SQLite database {path}")
    else:
        seconds = build_sqlite(path, tips, directory)
        print(f"  {tips:>9,} tips: built SQLite database in {seconds:.1f} s ({path})")
    return path


def sized_databases(
    database: str,
    sizes: list[int],
    name: str,
    cache: Path,
    rebuild: bool,
    directory: CommuneDirectory,
    scratch: bool = False,
) -> Iterator[tuple[int, str]]:
    """The URL of a database with each of ``sizes`` tips, in turn, so that every bench measures
    the same generated data. SQLite's is the file cached in ``cache`` (built the first time), or
    with ``scratch`` a copy of it named after ``name``, for a bench that writes: the cache stays
    as built. PostgreSQL's is ``{name}_{tips}``, filled again in one throwaway cluster, which
    stops after the last size (or as the process ends, if a measurement fails)."""
    if database == "sqlite":
        for tips in sizes:
            path = cached_sqlite(tips, cache, rebuild, directory)
            if scratch:
                copy = path.with_name(f"{name}-{path.name}")
                for journal in ("-wal", "-shm"):  # an earlier copy's, cut short
                    copy.with_name(copy.name + journal).unlink(missing_ok=True)
                shutil.copyfile(path, copy)
                path = copy
            yield tips, f"sqlite+aiosqlite:///{path}"
        return
    with ThrowawayPostgres() as cluster:
        for tips in sizes:
            url = cluster.create_database(f"{name}_{tips}")
            seconds = asyncio.run(build_postgresql(url, tips, directory))
            print(f"  {tips:>9,} tips: built PostgreSQL database in {seconds:.1f} s")
            yield tips, url


# Measuring ----------------------------------------------------------------------------------
def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB. Linux's ``VmHWM`` is this program's
    own; ``ru_maxrss`` also remembers the parent's memory the process had before its ``exec``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def largest_province(directory: CommuneDirectory) -> str:
    counts: dict[str, int] = {}
    for commune in directory.communes():
        counts[commune.province_code] = counts.get(commune.province_code, 0) + 1
    return max(sorted(counts), key=lambda code: counts[code])


async def pipeline(url: str) -> dict[str, Any]:
    """The report of the largest province over its last full quarter, step by step."""
    directory = CommuneDirectory.load()
    keyring = Keyring(SECRET.encode())
    services = services_for(keyring)
    storage = Storage(Database(url), keyring)
    steps: dict[str, float] = {}
    before = rss_mb()
    try:
        async with storage.transaction() as uow:
            case = UseCase(services, uow, END)
            area = await province_area(case, largest_province(directory))
            assert area is not None
            period = containing(PeriodKind.QUARTER, today(END)).previous()
            clock = time.perf_counter()
            report = await gather(case, area, period)
            steps["gather"] = time.perf_counter() - clock
            clock = time.perf_counter()
            text = summary(report, "vi")
            steps["summary"] = time.perf_counter() - clock
            clock = time.perf_counter()
            pictures = charts(report, "vi")
            steps["charts"] = time.perf_counter() - clock
            clock = time.perf_counter()
            with tempfile.TemporaryFile() as target:
                rows = await write_workbook(report, register(case, area, period), target, "vi")
                size = target.tell()
            steps["workbook"] = time.perf_counter() - clock
    finally:
        await storage.close()
    return {
        "area": area.name,
        "period": period.key(),
        "received": report.current.tips.received,
        "teams": len(report.current.patrols),
        "runs": len(report.current.campaigns.runs),
        "rows": rows,
        "text_chars": len(text),
        "charts": len(pictures),
        "workbook_bytes": size,
        "steps": steps,
        "total": sum(steps.values()),
        "rss_before_mb": before,
        "rss_peak_mb": rss_mb(),
    }


def measure_in_child(url: str) -> dict[str, Any]:
    """Run the pipeline in a fresh interpreter, so its peak memory is its own."""
    done = subprocess.run(
        [sys.executable, __file__, "--measure", url],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the measuring process failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("RESULT "))
    return result


def show(database: str, tips: int, result: dict[str, Any]) -> None:
    steps = "  ".join(f"{name} {seconds:.2f} s" for name, seconds in result["steps"].items())
    verdict = "PASS" if result["total"] < TARGET_SECONDS else "FAIL"
    print(
        f"  {database:<10} {tips:>9,} tips: {steps}  total {result['total']:.2f} s "
        f"(target < {TARGET_SECONDS:.0f} s: {verdict})"
    )
    print(
        f"  {'':<10} {'':>9}       {result['area']} {result['period']}: "
        f"{result['received']:,} tips, {result['teams']} teams, {result['runs']} campaign runs "
        f"counted, {result['rows']:,} register rows, "
        f"{result['charts']} charts, workbook {result['workbook_bytes'] / 1024:,.0f} KiB; "
        f"peak RSS {result['rss_peak_mb']:.0f} MB "
        f"(before the report {result['rss_before_mb']:.0f} MB)"
    )


def compare(database: str, results: dict[int, dict[str, Any]]) -> bool:
    if len(results) < 2:
        return True
    small, large = min(results), max(results)
    ratio = results[large]["rss_peak_mb"] / results[small]["rss_peak_mb"]
    flat = ratio < FLAT_RATIO
    verdict = "PASS" if flat else "FAIL"
    print(
        f"  {database:<10} peak RSS at {large:,} over {small:,} tips: {ratio:.2f} "
        f"(memory flat in the tips, < {FLAT_RATIO}: {verdict})"
    )
    return flat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tips", type=int, action="append", help="tips in the database (repeatable)"
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "tinbao-bench-reports",
        help="where SQLite databases are kept between runs",
    )
    parser.add_argument("--rebuild", action="store_true", help="build cached databases again")
    parser.add_argument(
        "--in-process", action="store_true", help="measure in this process (for the tests)"
    )
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.measure:
        print("RESULT " + json.dumps(asyncio.run(pipeline(args.measure))))
        return 0

    sizes = sorted(set(args.tips or SIZES))
    if any(size < 1 for size in sizes):
        parser.error("--tips must be at least 1")
    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    directory = CommuneDirectory.load()

    def measure(url: str) -> dict[str, Any]:
        return asyncio.run(pipeline(url)) if args.in_process else measure_in_child(url)

    print(f"machine: {machine()}")
    print(
        f"report of the largest province ({largest_province(directory)}) over the last full "
        f"quarter before {END:%Y-%m-%d}; sizes {', '.join(f'{s:,}' for s in sizes)} tips"
    )
    ok = True
    for database in databases:
        results: dict[int, dict[str, Any]] = {}
        for tips, url in sized_databases(
            database, sizes, "tips", args.cache, args.rebuild, directory
        ):
            results[tips] = measure(url)
            show(database, tips, results[tips])
            ok = ok and results[tips]["total"] < TARGET_SECONDS
        ok = compare(database, results) and ok
    print(f"targets (pipeline < {TARGET_SECONDS:.0f} s, memory flat): {'MET' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
