"""What a campaign's text and schedule must be: Telegram's formatting and length limits, and
schedules typed by people ("now", "25/12 08:00", cron in Asia/Ho_Chi_Minh) turned into
occurrences with APScheduler's triggers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.core.telegram_text import CAPTION_LIMIT, TEXT_LIMIT, visible_length
from storage.campaigns.models import Campaign

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
FOOTER_ROOM = 120  # the unsubscribe line added to every message
PRESETS = {
    "mon8": "0 8 * * mon",
    "daily7": "0 7 * * *",
    "fri19": "0 19 * * fri",
    "month1": "0 8 1 * *",
    "aug19": "0 8 19 8 *",
}
ALLOWED_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
     "tg-spoiler", "span", "blockquote", "tg-emoji"}
)  # fmt: skip
DATE_TIME = re.compile(
    r"^\s*(\d{1,2})/(\d{1,2})(?:/(\d{4}))?\s+(\d{1,2})[:h](\d{2})\s*$", re.IGNORECASE
)
NOW_WORDS = frozenset({"now", "ngay", "ngay bay gio", "bay gio", "bây giờ", "ngay bây giờ"})


# Schedules -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Schedule:
    """Once at ``run_at`` (UTC), or on every ``cron`` occurrence in Asia/Ho_Chi_Minh."""

    run_at: datetime | None = None
    cron: str | None = None

    def next_after(self, moment: datetime) -> datetime | None:
        """The first occurrence at or after ``moment`` (UTC), or None when there is none."""
        if self.cron is not None:
            fire = cron_trigger(self.cron).get_next_fire_time(None, moment)
            return fire.astimezone(UTC) if fire else None
        if self.run_at is not None and self.run_at >= moment:
            return self.run_at
        return None

    def describe(self, language: str) -> str:
        if self.cron is not None:
            for name, expression in PRESETS.items():
                if expression == self.cron:
                    return t(f"campaign.preset_{name}", language)
            return t("campaign.schedule_cron", language, cron=self.cron)
        assert self.run_at is not None
        return t("campaign.schedule_once", language, at=local_text(self.run_at))

    @classmethod
    def of(cls, campaign: Campaign) -> Schedule:
        return cls(run_at=campaign.run_at, cron=campaign.cron)


def cron_trigger(expression: str) -> CronTrigger:
    return CronTrigger.from_crontab(expression, timezone=LOCAL_TIME)


def local_text(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TIME).strftime("%H:%M %d/%m/%Y")


def parse_schedule(text: str, now: datetime) -> Schedule:
    """What a person types for "when": "now", "25/12 08:00" (local time; next such date),
    "25/12/2026 08:00", or a five-field cron expression such as "0 8 * * mon"."""
    raw = " ".join(text.strip().split())
    if raw.lower() in NOW_WORDS:
        return Schedule(run_at=now)
    found = DATE_TIME.match(raw)
    if found:
        day, month, year, hour, minute = found.groups()
        local_now = now.astimezone(LOCAL_TIME)
        try:
            moment = datetime(
                int(year or local_now.year), int(month), int(day), int(hour), int(minute),
                tzinfo=LOCAL_TIME,
            )  # fmt: skip
        except ValueError:
            raise Refusal("campaign.bad_date", text=raw) from None
        if year is None and moment < local_now:
            moment = moment.replace(year=moment.year + 1)
        if moment < local_now - timedelta(minutes=1):
            raise Refusal("campaign.date_past", at=local_text(moment))
        return Schedule(run_at=max(moment.astimezone(UTC), now))
    if len(raw.split(" ")) == 5:
        return cron_schedule(raw)
    raise Refusal("campaign.bad_schedule", text=raw)


def cron_schedule(text: str) -> Schedule:
    """A five-field cron expression in Vietnam time, refused when it cannot fire."""
    raw = " ".join(text.strip().split())
    try:
        cron_trigger(raw)
    except ValueError:
        raise Refusal("campaign.bad_cron", text=raw) from None
    return Schedule(cron=raw)


def latest_occurrence(schedule: Schedule, due: datetime, now: datetime) -> datetime:
    """The last occurrence at or before ``now``, starting from the due one (bounded walk)."""
    latest = due
    for _ in range(10_000):
        following = schedule.next_after(latest + timedelta(microseconds=1))
        if following is None or following > now:
            break
        latest = following
    return latest


# Message text ----------------------------------------------------------------------------------
class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problem = self.problem or f"<{tag}>"
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problem = self.problem or f"</{tag}>"
            return
        self.open.pop()


def check_html(text: str) -> None:
    """Refuse text Telegram would refuse: tags it does not know, or tags left open."""
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    if checker.problem or checker.open:
        raise Refusal("campaign.bad_html", tag=checker.problem or f"<{checker.open[-1]}>")


def check_text(text: str, photo: str | None) -> None:
    if not text.strip():
        raise Refusal("campaign.text_empty")
    # Measured as Telegram measures it: what the reader sees (not the tags, an entity such as
    # &lt; as one character), in UTF-16 units.
    limit = (CAPTION_LIMIT if photo else TEXT_LIMIT) - FOOTER_ROOM
    length = visible_length(text)
    if length > limit:
        raise Refusal("campaign.text_too_long", limit=limit, length=length)
    check_html(text)
