"""Settings read from the environment and ``.env`` (prefix ``TINBAO_``).

Everything configurable lives here so that a misconfiguration is caught once, at start-up,
with one line that names the setting, instead of as a traceback deep in a handler.
"""

from __future__ import annotations

import re
from datetime import date, time
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.quiet_hours import QuietHours

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/tinbao.db"
TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")
SUPPORTED_DATABASE_PREFIXES = ("sqlite+aiosqlite://", "postgresql+asyncpg://")


class ConfigError(Exception):
    """A setting is missing or invalid; the message is one line fit for an operator."""


class Settings(BaseSettings):
    """The service's settings. Field names map to ``TINBAO_<NAME>`` variables."""

    model_config = SettingsConfigDict(
        env_prefix="TINBAO_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = Field(
        default=None, description="Bot token from @BotFather; empty runs only the sandbox."
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="Bot API server root; the bot calls <root>/bot<token>/<method>.",
    )
    database_url: str = Field(default=DEFAULT_DATABASE_URL, description="SQLAlchemy async URL.")
    bot_username: str | None = Field(
        default=None,
        pattern=r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$",
        description="The bot's @username, for the deep links on posters (tinbao poster).",
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Key for pseudonyms and encryption at rest (tinbao init)."
    )
    admin_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Telegram user ids of administrators, comma-separated."
    )
    language: Literal["vi", "en"] = Field(default="vi", description="Default language.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    workers: int = Field(default=8, ge=1, le=256, description="Inbox workers (chats in parallel).")
    global_rate: float = Field(default=30.0, gt=0, description="Outgoing messages per second.")
    private_chat_rate: float = Field(default=1.0, gt=0, description="Per private chat, per second.")
    group_rate_per_minute: float = Field(default=20.0, gt=0, description="Per group, per minute.")
    poll_timeout: int = Field(default=30, ge=0, le=50, description="getUpdates long-poll seconds.")
    draft_ttl_hours: float = Field(
        default=24, gt=0, description="Hours before an abandoned tip draft is deleted."
    )
    tips_per_hour: int = Field(default=5, ge=1, description="New tips per person per hour.")
    contact_retention_days: int = Field(
        default=90,
        ge=1,
        description="Days after a tip closes before its sealed chat id (the only link from a "
        "tip to a person) and messages to its tipster are erased; /privacy tells residents this.",
    )
    outbox_keep_days: int = Field(
        default=7, ge=1, description="Days a delivered message is kept (see the README)."
    )
    campaign_grace_minutes: float = Field(
        default=60, ge=0, description="A campaign run missed while down is sent late within this."
    )
    quiet_hours: Annotated[QuietHours, NoDecode] = Field(
        default=QuietHours(time(21, 0), time(6, 30)),
        description="Vietnam-time window (HH:MM-HH:MM) when awareness messages wait; urgent "
        "alerts ignore it.",
    )
    allow_paid_broadcast: bool = Field(
        default=False, description="Send campaigns as paid broadcasts (Telegram Stars)."
    )
    paid_broadcast_rate: float = Field(
        default=1000, gt=0, le=1000, description="Campaign messages per second when paid."
    )
    webhook_url: str | None = Field(
        default=None, description="Public HTTPS URL Telegram posts updates to; empty = polling."
    )
    ack_realert_minutes: int = Field(
        default=30, ge=1, description="Re-alert the unit when a tip is not acknowledged by then."
    )
    ack_realert_urgent_minutes: int = Field(default=10, ge=1, description="The same, urgent tips.")
    escalate_after_minutes: int = Field(
        default=120, ge=1, description="Escalate an unacknowledged tip to the province unit."
    )
    escalate_after_urgent_minutes: int = Field(
        default=30, ge=1, description="The same, urgent tips."
    )
    receipt_notice_working_days: int = Field(
        default=3, ge=1, description="Working days to notify the tipster of receipt (TTLT 01/2017)."
    )
    verify_days: int = Field(
        default=20, ge=1, description="Days to check a tip and decide (Criminal Procedure Code)."
    )
    verify_reminder_days: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: [15, 19], description="Days after receipt to remind the unit."
    )
    holidays: Annotated[list[date], NoDecode] = Field(
        default_factory=list,
        description="Extra non-working days (YYYY-MM-DD, comma-separated): Tết, Hùng Kings' day…",
    )
    spam_hold_after: int = Field(
        default=3,
        ge=1,
        description="Hold new tips for review from a sender with this many tips rejected as spam.",
    )
    relay_officer_name: bool = Field(
        default=False,
        description="Sign messages relayed to tipsters with the officer's name (else the unit's).",
    )
    clock_sweep_seconds: float = Field(
        default=60, gt=0, le=3600, description="How often the tip clocks are checked."
    )
    unit_probe_minutes: float = Field(
        default=10, gt=0, le=1440, description="How often an unreachable police group is probed."
    )
    webhook_listen: str = Field(default="127.0.0.1", description="Address the webhook binds.")
    webhook_port: int = Field(default=8443, ge=1, le=65535, description="Port the webhook binds.")
    patrol_interval_minutes: int = Field(
        default=30, ge=1, le=1440, description="Default check-in interval of a new patrol team."
    )
    patrol_escalation_minutes: int = Field(
        default=0, ge=0, le=1440, description="Gap between alert steps; 0 = the team's interval."
    )
    patrol_max_shift_hours: float = Field(
        default=12, gt=0, le=72, description="A shift open this long closes itself."
    )
    patrol_summary_hour: int = Field(
        default=7, ge=0, le=23, description="Local hour of the daily patrol summary."
    )
    patrol_checkpoint_radius: int = Field(
        default=50, ge=5, le=5000, description="Default checkpoint radius in metres."
    )
    patrol_location_max_age_minutes: float = Field(
        default=5, gt=0, description="How old a shared (not live) location may be for a check-in."
    )
    sos_repeat_seconds: float = Field(
        default=60, gt=0, description="An SOS nobody has taken is sent again this often."
    )
    sos_escalate_minutes: float = Field(
        default=3, gt=0, description="An SOS nobody has taken reaches the province unit then."
    )
    monthly_report_day: int = Field(
        default=1, ge=1, le=28, description="Day of the month the last month's report is sent."
    )
    monthly_report_time: time = Field(
        default=time(7, 0), description="Local time (HH:MM) of that day the report is sent at."
    )

    @field_validator("bot_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("expected the form 123456789:ABC-DEF… given by @BotFather")
        return value

    @field_validator("secret_key", "bot_username", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("secret_key")
    @classmethod
    def _secret_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (run `tinbao init`)")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("verify_reminder_days", "holidays", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _quiet_hours(cls, value: object) -> object:
        return QuietHours.parse(value) if isinstance(value, str) else value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org")
        return value.rstrip("/")

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _empty_webhook_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+/\S*$", value):
            raise ValueError("must be a full URL with a path, e.g. https://bot.example.vn/telegram")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        if value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if not value.startswith(SUPPORTED_DATABASE_PREFIXES):
            raise ValueError(
                "must start with sqlite+aiosqlite:/// or postgresql+asyncpg:// "
                "(e.g. postgresql+asyncpg://user:pass@host/tinbao)"
            )
        return value

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        """The SQLite file, so that start-up can create its folder; None for other databases."""
        if not self.is_sqlite:
            return None
        raw = self.database_url.split(":///", 1)[1].split("?", 1)[0]
        return None if raw in ("", ":memory:") else Path(raw)

    def token(self) -> str:
        """The bot token, or ConfigError naming the setting when none is configured."""
        if self.bot_token is None:
            raise ConfigError(
                "TINBAO_BOT_TOKEN is not set: put the token from @BotFather in .env, "
                "or run `tinbao sandbox` to try tinbao offline"
            )
        return self.bot_token.get_secret_value()

    def secret(self) -> bytes:
        """The key material for pseudonyms and encryption, or ConfigError naming the setting."""
        if self.secret_key is None:
            raise ConfigError("TINBAO_SECRET_KEY is not set: run `tinbao init` to create one")
        return self.secret_key.get_secret_value().encode()


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning the first validation problem into a one-line ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"TINBAO_{field.upper()} is invalid: {message}") from None
