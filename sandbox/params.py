"""Bot API parameters from every encoding Telegram accepts.

Telegram takes parameters from the query string, url-encoded forms, JSON bodies and
multipart/form-data (uploads). python-telegram-bot sends forms whose non-string values are
JSON-encoded strings, so known structured fields are decoded and numbers are coerced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from sandbox.world import ApiError

JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "media",
        "allowed_updates",
        "commands",
        "reply_parameters",
        "link_preview_options",
        "scope",
        "results",
    }
)
INT_FIELDS = frozenset(
    {
        "offset",
        "limit",
        "timeout",
        "message_id",
        "from_chat_id",
        "message_thread_id",
        "reply_to_message_id",
        "live_period",
        "max_connections",
        "cache_time",
        "user_id",
        "heading",
        "proximity_alert_radius",
        "duration",
        "icon_color",
        "chat_id",
    }
)
FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "drop_pending_updates",
        "protect_content",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "has_spoiler",
        "show_caption_above_media",
    }
)
JSON_ERRORS = {"reply_markup": "Bad Request: can't parse reply keyboard markup JSON object"}

Params = dict[str, Any]


@dataclass(slots=True)
class Upload:
    content: bytes
    filename: str | None
    content_type: str | None


Uploads = dict[str, Upload]


def coerce(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            message = JSON_ERRORS.get(name, f"Bad Request: can't parse {name} JSON object")
            raise ApiError(400, message) from None
    if name in INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value  # "@username" chat ids and the like stay strings
    if name in FLOAT_FIELDS:
        try:
            return float(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: wrong {name} specified") from None
    if name in BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


async def read_params(request: web.Request) -> tuple[Params, Uploads]:
    """Parameters from the query string and any body Telegram accepts, plus uploaded files."""
    params: Params = dict(request.query)
    uploads: Uploads = {}
    if request.method == "POST" and request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON object") from None
            if isinstance(body, dict):
                params.update(body)
        elif content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    data = bytes(await part.read())
                    kind = part.headers.get("Content-Type")
                    uploads[part.name] = Upload(data, part.filename, kind)
                else:
                    params[part.name] = await part.text()
        else:
            params.update(await request.post())
    return {name: coerce(name, value) for name, value in params.items()}, uploads
