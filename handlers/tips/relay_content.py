"""What may be passed on between the police and a tipster, both ways."""

from __future__ import annotations

from telegram import Message

from bot.domain.tips.relay import Content, to_police
from bot.runtime.context import TinbaoContext
from storage.tips.models import Tip

# copyMessage re-sends these without naming the sender.
MEDIA = ("photo", "video", "voice", "audio", "video_note", "animation", "location", "document")
# Files keep EXIF/GPS data: a tipster's image as a file could locate them (as in a new tip).
TIPSTER_MEDIA = tuple(kind for kind in MEDIA if kind != "document")


def content_of(message: Message, kinds: tuple[str, ...]) -> Content | None:
    if message.text:
        return Content(message.chat.id, message.message_id, message.text)
    if any(getattr(message, kind, None) for kind in kinds):
        return Content(message.chat.id, message.message_id, None)
    return None


async def pass_to_police(context: TinbaoContext, tip: Tip, content: Content, label: str) -> None:
    """A tipster's message into the tip's thread in every group working it (``label``
    already formatted in the groups' language), inside the update's transaction."""
    await to_police(context.use_case, tip, content, label)
