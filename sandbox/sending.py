"""The Bot API methods that put messages into chats or change them.

Each method validates the way Telegram does (and with Telegram's descriptions), stores the
message in the chat with what only the sandbox keeps (parse mode, reply keyboard, edit history),
and wakes whoever waits on that chat.
"""

from __future__ import annotations

import itertools
import json
import mimetypes
import time
from typing import Any

from sandbox.formatting import parse, utf16_len
from sandbox.params import Params, Uploads
from sandbox.world import ApiError, Chat, StoredFile, StoredMessage, World

TEXT_LIMIT, CAPTION_LIMIT, ANSWER_LIMIT = 4096, 1024, 200
DELETE_BATCH = 100  # deleteMessages takes 1-100 ids
# In a private chat a bot deletes the person's messages for 48 hours after they were sent.
PERSON_DELETABLE_SECONDS = 48 * 3600
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
# Fields Telegram always includes for these kinds (python-telegram-bot requires them).
MEDIA_FIELDS: dict[str, dict[str, Any]] = {
    "video": {"width": 640, "height": 480, "duration": 5},
    "voice": {"duration": 3, "mime_type": "audio/ogg"},
    "audio": {"duration": 3},
    "video_note": {"length": 240, "duration": 3},
}
COPIED_FIELDS = (
    "text",
    "entities",
    "photo",
    "document",
    "video",
    "voice",
    "audio",
    "location",
    "contact",
    "caption",
    "caption_entities",
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


BAD_BUTTON = "Bad Request: can't parse inline keyboard button"
BUTTON_ACTIONS = frozenset(
    {
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)


def public(stored: StoredMessage) -> dict[str, Any]:
    """The Message object as the Bot API returns it (a copy, safe to hand out)."""
    return dict(stored.data)


def quoted(stored: StoredMessage) -> dict[str, Any]:
    """A message as embedded in ``reply_to_message``: Telegram nests only one level."""
    data = dict(stored.data)
    data.pop("reply_to_message", None)
    return data


def check_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not isinstance(button.get("text"), str):
                raise ApiError(400, f'{BAD_BUTTON}: Field "text" must be of type String')
            if not BUTTON_ACTIONS & set(button):
                raise ApiError(
                    400, f"{BAD_BUTTON}: Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


class Messaging:
    def __init__(self, world: World, callback_timeout: float = 15.0) -> None:
        self.world = world
        self.callback_timeout = callback_timeout
        self._media_groups = itertools.count(int(time.time()) * 1000)

    # shared checks ------------------------------------------------------------------------
    def writable_chat(self, params: Params) -> Chat:
        chat = self.world.chat(params.get("chat_id"))
        if chat.type == "private" and chat.user and chat.user.blocked_bot:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=chat.migrated_to,
            )
        if chat.type != "private" and chat.bot_status in ("left", "kicked"):
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            if chat.bot_status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")
        if chat.type != "private" and (
            chat.bot_status == "restricted"
            or (chat.bot_status == "member" and not chat.members_may_send)
        ):
            raise ApiError(400, "Bad Request: not enough rights to send text messages to the chat")
        return chat

    def _formatted(
        self, params: Params, key: str, entities_key: str, *, limit: int, too_long: str
    ) -> tuple[str, list[dict[str, Any]] | None]:
        raw = params.get(key)
        text, entities = parse("" if raw is None else str(raw), params.get("parse_mode"))
        if not params.get("parse_mode") and params.get(entities_key):
            entities = list(params[entities_key])
        if utf16_len(text) > limit:  # Telegram counts UTF-16 code units
            raise ApiError(400, too_long)
        return text, entities or None

    def _text(self, params: Params) -> tuple[str, list[dict[str, Any]] | None]:
        text, entities = self._formatted(
            params,
            "text",
            "entities",
            limit=TEXT_LIMIT,
            too_long="Bad Request: message is too long",
        )
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        return text, entities

    def _caption(self, params: Params) -> dict[str, Any]:
        if not params.get("caption"):
            return {}
        caption, entities = self._formatted(
            params,
            "caption",
            "caption_entities",
            limit=CAPTION_LIMIT,
            too_long="Bad Request: message caption is too long",
        )
        content: dict[str, Any] = {"caption": caption}
        if entities:
            content["caption_entities"] = entities
        return content

    def _context(self, chat: Chat, params: Params) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Markup, topic and reply fields of a new message, and the reply keyboard (people see
        it, but it is not part of the returned Message)."""
        extra: dict[str, Any] = {}
        keyboard: dict[str, Any] | None = None
        markup = params.get("reply_markup")
        if markup is not None:
            check_markup(markup)
            if "inline_keyboard" in markup:
                extra["reply_markup"] = markup
            else:  # a reply keyboard, its removal or force_reply
                keyboard = markup
        thread = params.get("message_thread_id")
        if thread is not None and chat.is_forum:
            if int(thread) not in chat.topics:
                raise ApiError(400, "Bad Request: message thread not found")
            extra["message_thread_id"] = int(thread)
            extra["is_topic_message"] = True
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") or params.get("reply_to_message_id")
        if reply_to is not None:
            original = chat.messages.get(int(reply_to))
            if original is not None and not original.deleted:
                extra["reply_to_message"] = quoted(original)
            elif not (
                reply.get("allow_sending_without_reply")
                or params.get("allow_sending_without_reply")
            ):
                raise ApiError(400, "Bad Request: message to be replied not found")
        if params.get("protect_content"):
            extra["has_protected_content"] = True
        return extra, keyboard

    def deliver(
        self, chat: Chat, kind: str, content: dict[str, Any], params: Params
    ) -> StoredMessage:
        """Store a new bot message in ``chat`` and return it."""
        extra, keyboard = self._context(chat, params)
        data = self.world.new_message(chat, self.world.bot, **content, **extra)
        stored = self.world.store(chat, data, from_bot=True, kind=kind)
        stored.parse_mode = params.get("parse_mode")
        stored.reply_keyboard = keyboard
        for key in ("disable_notification", "link_preview_options", "protect_content"):
            if params.get(key) is not None:
                stored.extra[key] = params[key]
        return stored

    # files --------------------------------------------------------------------------------
    def input_file(self, params: Params, uploads: Uploads, name: str, kind: str) -> StoredFile:
        """The file a send* call refers to: an upload (in the field itself or attach://) or
        the file_id of a file Telegram already has."""
        value = params.get(name)
        upload = uploads.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise ApiError(400, f"Bad Request: failed to get HTTP URL content of {value}")
        if upload is not None:
            filename = upload.filename
            extension = filename.rsplit(".", 1)[-1] if filename and "." in filename else "bin"
            mime = upload.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(filename or "")[0] or mime
            if kind == "photo":
                sizes = self.world.add_photo(upload.content, extension)
                return self.world.file(sizes[-1]["file_id"])
            return self.world.add_file(
                upload.content, kind, extension, file_name=filename, mime_type=mime
            )
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return self.world.file(value)

    @staticmethod
    def file_dict(stored: StoredFile, **extra: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if stored.file_name:
            data["file_name"] = stored.file_name
        if stored.mime_type:
            data["mime_type"] = stored.mime_type
        data.update(extra)
        return data

    def media_content(self, kind: str, stored: StoredFile) -> dict[str, Any]:
        if kind == "photo":
            sizes = stored.sizes or [self.file_dict(stored, width=1280, height=960)]
            return {"photo": [dict(size) for size in sizes]}
        return {kind: self.file_dict(stored, **MEDIA_FIELDS.get(kind, {}))}

    # sending ------------------------------------------------------------------------------
    async def sendMessage(self, params: Params, uploads: Uploads) -> Any:
        chat = self.writable_chat(params)
        text, entities = self._text(params)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        options = params.get("link_preview_options")
        if isinstance(options, dict) and options:
            content["link_preview_options"] = options
        return public(self.deliver(chat, "text", content, params))

    async def _send_media(self, kind: str, params: Params, uploads: Uploads) -> Any:
        chat = self.writable_chat(params)
        caption = self._caption(params)
        stored = self.input_file(params, uploads, kind, kind)
        content = {**self.media_content(kind, stored), **caption}
        return public(self.deliver(chat, kind, content, params))

    async def sendPhoto(self, params: Params, uploads: Uploads) -> Any:
        return await self._send_media("photo", params, uploads)

    async def sendDocument(self, params: Params, uploads: Uploads) -> Any:
        return await self._send_media("document", params, uploads)

    async def sendVideo(self, params: Params, uploads: Uploads) -> Any:
        return await self._send_media("video", params, uploads)

    async def sendVoice(self, params: Params, uploads: Uploads) -> Any:
        return await self._send_media("voice", params, uploads)

    async def sendAudio(self, params: Params, uploads: Uploads) -> Any:
        return await self._send_media("audio", params, uploads)

    async def sendMediaGroup(self, params: Params, uploads: Uploads) -> Any:
        chat = self.writable_chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of messages in the media group")
        group_id = str(next(self._media_groups))
        prepared = []
        for item in media:
            kind = str(item.get("type", "photo"))
            if kind not in ("photo", "video", "document", "audio"):
                raise ApiError(400, "Bad Request: MEDIA_GROUP_INVALID")
            caption = self._caption(item)
            stored = self.input_file(item, uploads, "media", kind)
            prepared.append((kind, {**self.media_content(kind, stored), **caption}))
        return [
            public(self.deliver(chat, kind, {**content, "media_group_id": group_id}, params))
            for kind, content in prepared
        ]

    async def sendLocation(self, params: Params, uploads: Uploads) -> Any:
        chat = self.writable_chat(params)
        latitude, longitude = params.get("latitude"), params.get("longitude")
        if not isinstance(latitude, float) or not -90 <= latitude <= 90:
            raise ApiError(400, "Bad Request: wrong latitude specified")
        if not isinstance(longitude, float) or not -180 <= longitude <= 180:
            raise ApiError(400, "Bad Request: wrong longitude specified")
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        for key in ("live_period", "heading", "horizontal_accuracy", "proximity_alert_radius"):
            if params.get(key):
                location[key] = params[key]
        return public(self.deliver(chat, "location", {"location": location}, params))

    async def sendContact(self, params: Params, uploads: Uploads) -> Any:
        chat = self.writable_chat(params)
        if not params.get("phone_number") or not params.get("first_name"):
            raise ApiError(400, "Bad Request: phone number and first name must be non-empty")
        contact = {
            key: params[key]
            for key in ("phone_number", "first_name", "last_name", "vcard")
            if params.get(key)
        }
        return public(self.deliver(chat, "contact", {"contact": contact}, params))

    async def copyMessage(self, params: Params, uploads: Uploads) -> Any:
        chat = self.writable_chat(params)
        _, source = self._source(params, "message to copy not found")
        if source.kind in ("service", "forum_topic_created"):
            raise ApiError(400, "Bad Request: message can't be copied")
        content = {k: v for k, v in source.data.items() if k in COPIED_FIELDS}
        if "caption" in params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._caption(params))
        stored = self.deliver(chat, source.kind, content, params)
        return {"message_id": stored.data["message_id"]}

    async def forwardMessage(self, params: Params, uploads: Uploads) -> Any:
        chat = self.writable_chat(params)
        _, source = self._source(params, "message to forward not found")
        if source.kind in ("service", "forum_topic_created"):
            raise ApiError(400, "Bad Request: message can't be forwarded")
        content = {k: v for k, v in source.data.items() if k in COPIED_FIELDS}
        content["forward_origin"] = source.data.get("forward_origin") or {
            "type": "user",
            "sender_user": source.data.get("from") or {},
            "date": source.data["date"],
        }
        return public(self.deliver(chat, source.kind, content, params))

    def _source(self, params: Params, missing: str) -> tuple[Chat, StoredMessage]:
        source_chat = self.world.chat(params.get("from_chat_id"))
        return source_chat, self.world.message(source_chat, params.get("message_id"), missing)

    # editing ------------------------------------------------------------------------------
    def _editable(self, params: Params) -> StoredMessage:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self.writable_chat(params)
        stored = self.world.message(chat, params.get("message_id"), "message to edit not found")
        if not stored.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return stored

    def _apply_edit(
        self, stored: StoredMessage, changes: dict[str, Any], parse_mode: str | None = None
    ) -> dict[str, Any]:
        if all(stored.data.get(key) == value for key, value in changes.items()):
            raise ApiError(400, NOT_MODIFIED)
        stored.edits.append(dict(stored.data))
        data = dict(stored.data)  # a new dict: updates already queued keep the old version
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        data["edit_date"] = int(time.time())
        stored.data = data
        if parse_mode is not None or "text" in changes or "caption" in changes:
            stored.parse_mode = parse_mode
        chat = self.world.chats[int(data["chat"]["id"])]
        chat.touch()
        return public(stored)

    @staticmethod
    def _markup(params: Params) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        check_markup(markup)
        if "inline_keyboard" not in markup:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        return markup or None

    async def editMessageText(self, params: Params, uploads: Uploads) -> Any:
        stored = self._editable(params)
        if "text" not in stored.data:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = self._text(params)
        changes = {"text": text, "entities": entities, "reply_markup": self._markup(params)}
        return self._apply_edit(stored, changes, params.get("parse_mode"))

    async def editMessageCaption(self, params: Params, uploads: Uploads) -> Any:
        stored = self._editable(params)
        if stored.kind not in ("photo", "video", "document", "audio", "voice"):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = self._caption(params)
        changes = {
            "caption": caption.get("caption"),
            "caption_entities": caption.get("caption_entities"),
            "reply_markup": self._markup(params),
        }
        return self._apply_edit(stored, changes, params.get("parse_mode"))

    async def editMessageReplyMarkup(self, params: Params, uploads: Uploads) -> Any:
        stored = self._editable(params)
        return self._apply_edit(stored, {"reply_markup": self._markup(params)})

    async def editMessageLiveLocation(self, params: Params, uploads: Uploads) -> Any:
        stored = self._editable(params)
        location = stored.data.get("location")
        if not location or not location.get("live_period"):
            raise ApiError(400, "Bad Request: message can't be edited")
        moved = {
            **location,
            "latitude": params.get("latitude"),
            "longitude": params.get("longitude"),
        }
        return self._apply_edit(stored, {"location": moved, "reply_markup": self._markup(params)})

    async def deleteMessage(self, params: Params, uploads: Uploads) -> Any:
        chat = self.writable_chat(params)
        stored = self.world.message(chat, params.get("message_id"), "message to delete not found")
        if not self._deletable(chat, stored):
            raise ApiError(400, "Bad Request: message can't be deleted")
        stored.deleted = True
        chat.touch()
        return True

    async def deleteMessages(self, params: Params, uploads: Uploads) -> Any:
        """Up to 100 messages at once; as Telegram does, the ones that cannot be found or
        deleted are skipped."""
        chat = self.writable_chat(params)
        ids = params.get("message_ids")
        if isinstance(ids, str):
            try:
                ids = json.loads(ids)
            except ValueError:
                ids = None
        if not isinstance(ids, list) or not 1 <= len(ids) <= DELETE_BATCH:
            raise ApiError(400, "Bad Request: message_ids must be a list of 1-100 ids")
        for message_id in ids:
            stored = chat.messages.get(message_id) if isinstance(message_id, int) else None
            if stored is not None and not stored.deleted and self._deletable(chat, stored):
                stored.deleted = True
        chat.touch()
        return True

    @staticmethod
    def _deletable(chat: Chat, stored: StoredMessage) -> bool:
        """The bot deletes its own messages; in a private chat the person's younger than 48
        hours; in a group others' only as an administrator."""
        if stored.from_bot:
            return True
        if chat.type == "private":
            return time.time() - stored.data.get("date", 0) < PERSON_DELETABLE_SECONDS
        return chat.bot_status in ("administrator", "creator")

    # callbacks and chat actions -------------------------------------------------------------
    async def answerCallbackQuery(self, params: Params, uploads: Uploads) -> Any:
        query = self.world.callbacks.get(str(params.get("callback_query_id")))
        if (
            query is None
            or query.answered
            or time.monotonic() - query.created > self.callback_timeout
        ):
            raise ApiError(400, QUERY_TOO_OLD)
        text = params.get("text")
        if text and len(str(text)) > ANSWER_LIMIT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = {"text": text, "show_alert": bool(params.get("show_alert"))}
        if params.get("url"):
            query.answer["url"] = params["url"]
        self.world.callbacks_signal.fire()
        return True

    async def sendChatAction(self, params: Params, uploads: Uploads) -> Any:
        self.writable_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True
