"""Tables: patrol teams, members, invites, checkpoints, shifts, their events and the daily
summaries sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, text
from sqlmodel import Field, SQLModel

from storage.types import ROW_ID, UTCDateTime

# The rows of the partial indexes; a query must name the same terms for SQLite to use one.
WATCHED_SQL = "watch_due_at IS NOT NULL"
UNOWNED_SQL = "owned_at IS NULL AND closed_at IS NULL AND cancelled_at IS NULL"


class PatrolTeam(SQLModel, table=True):
    """A security and order team ("Tổ bảo vệ an ninh, trật tự") patrolling for a commune unit."""

    __tablename__ = "patrol_team"

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    unit_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    name: str = Field(max_length=200)
    interval_minutes: int = Field(default=30, description="Longest gap between check-ins.")
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class PatrolMember(SQLModel, table=True):
    """A team member. Members act under their own name (like officers), so the user id (also
    their private chat id) and display name are kept in clear."""

    __tablename__ = "patrol_member"
    __table_args__ = (Index("ux_patrol_member_team_user", "team_id", "user_id", unique=True),)

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    team_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    display_name: str = Field(max_length=200)
    leader: bool = False
    joined_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # Set on the one membership a person in several teams acts for (joining chooses too).
    chosen_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class PatrolInvite(SQLModel, table=True):
    """A one-time code to join a team with /join; only its keyed hash is stored."""

    __tablename__ = "patrol_invite"

    code_hash: str = Field(primary_key=True, max_length=64)
    team_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    leader: bool = False
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class Checkpoint(SQLModel, table=True):
    """A place a patrol checks in at: accepted within ``radius_m`` metres of the point."""

    __tablename__ = "patrol_checkpoint"

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    team_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    name: str = Field(max_length=100)
    latitude: float
    longitude: float
    radius_m: int = 50
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class PatrolShift(SQLModel, table=True):
    """One member's shift: open while ``ended_at`` is empty. The missed-check-in timer is
    derived from ``last_check_in_at`` (or ``started_at``) and ``alert_stage`` (0 none, 1 member,
    2 leader, 3 group alerted), so a restart or another worker resumes it from the row.
    ``watch_due_at`` is when the watch next acts on it (an alert step or closing it), stored
    with every change that moves it; empty once nothing remains to do."""

    __tablename__ = "patrol_shift"
    __table_args__ = (
        Index("ix_patrol_shift_open", "ended_at", "member_id"),
        Index("ix_patrol_shift_team_started", "team_id", "started_at"),
        # The watch reads only the shifts that are due: ended ones are not in the index.
        Index(
            "ix_patrol_shift_watch_due",
            "watch_due_at",
            sqlite_where=text(WATCHED_SQL),
            postgresql_where=text(WATCHED_SQL),
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    team_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    member_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    end_reason: str | None = Field(default=None, max_length=12)
    last_check_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    alert_stage: int = 0
    latitude: float | None = None
    longitude: float | None = None
    located_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    live_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    watch_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class PatrolEvent(SQLModel, table=True):
    """What happened on a shift, for the daily summary: start, check_in, all_clear, incident,
    missed, end, auto_end."""

    __tablename__ = "patrol_event"
    __table_args__ = (Index("ix_patrol_event_team_at", "team_id", "at"),)

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    team_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    shift_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    member_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(max_length=12)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    checkpoint_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    tip_id: int | None = Field(default=None, sa_column=Column(BigInteger))


class PatrolSummarySent(SQLModel, table=True):
    """A unit's daily summary of a day was sent; a restart or a second worker sends no other."""

    __tablename__ = "patrol_summary_sent"
    # The units already sent a day's summary, whichever way the planner joins them to the teams:
    # that day's rows only, never the days before.
    __table_args__ = (Index("ix_patrol_summary_sent_day", "day", "unit_id"),)

    unit_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    day: str = Field(primary_key=True, max_length=10, description="Local date, YYYY-MM-DD.")
    sent_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class SosAlert(SQLModel, table=True):
    """A member on shift pressed SOS. Open until cancelled (by the member: a false alarm) or
    closed (by its owner, with a note). ``repeats_sent`` and ``escalated_at`` are the repeat
    timer's state: each repeat and the one escalation is a conditional update of this row, so a
    restart resumes them and two workers never send one twice."""

    __tablename__ = "sos_alert"
    __table_args__ = (
        Index("ix_sos_alert_team_created", "team_id", "created_at"),
        Index("ix_sos_alert_member", "member_id", "closed_at"),
        # The SOS watch reads only the alerts nobody has taken and that still run.
        Index(
            "ix_sos_alert_unowned",
            "id",
            sqlite_where=text(UNOWNED_SQL),
            postgresql_where=text(UNOWNED_SQL),
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    member_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    shift_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    team_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    unit_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    latitude: float | None = None
    longitude: float | None = None
    located_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Whoever said "I'm going": a leader, a member on shift or an officer, all named people.
    owner_user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    owner_name: str | None = Field(default=None, max_length=200)
    owned_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    close_note: str | None = Field(default=None, max_length=1000)
    repeats_sent: int = 0
    escalated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
