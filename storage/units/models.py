"""Tables: police units, the communes they cover and their officers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, text
from sqlmodel import Field, SQLModel

from storage.types import ROW_ID, UTCDateTime

UNREACHABLE_SQL = "unreachable_since IS NOT NULL"  # as the partial index says it


class PoliceUnit(SQLModel, table=True):
    """A police unit and its Telegram group: a commune's police, or a province's.

    One unit may cover several communes (merged units); each commune has at most one unit.
    """

    __tablename__ = "police_unit"
    # The probe job reads only the groups marked unreachable.
    __table_args__ = (
        Index(
            "ix_police_unit_unreachable",
            "id",
            sqlite_where=text(UNREACHABLE_SQL),
            postgresql_where=text(UNREACHABLE_SQL),
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    name: str = Field(max_length=200)
    level: str = Field(max_length=10, description="commune or province")
    province_code: str = Field(max_length=2, index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    forum: bool = Field(default=False, description="The group has topics: one per tip.")
    unreachable_since: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime),
        description="Since when the bot cannot post in the group; new tips skip the unit.",
    )
    unreachable_reason: str | None = Field(default=None, max_length=200)


class UnitCommune(SQLModel, table=True):
    __tablename__ = "unit_commune"

    commune_code: str = Field(primary_key=True, max_length=5)
    unit_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class Officer(SQLModel, table=True):
    """A registered officer. Officers act under their own name; only tipsters are anonymous."""

    __tablename__ = "officer"
    __table_args__ = (Index("ux_officer_unit_user", "unit_id", "user_id", unique=True),)

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    unit_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    display_name: str = Field(max_length=200)
    joined_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    role: str = Field(default="officer", max_length=10, description="officer or chief")
    removed_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime),
        description="Removed by an administrator: kept for the audit chain, may no longer act.",
    )
