"""What may be passed on between the police and a tipster, both ways."""

from __future__ import annotations

from telegram import Message

from bot.domain.tip_dialogue import Content

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
