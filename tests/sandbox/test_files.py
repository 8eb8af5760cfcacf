"""Files: uploads, file_id reuse, getFile and downloads, media groups."""

from __future__ import annotations

from telegram import Bot, InputMediaDocument, InputMediaPhoto

from sandbox.server import SandboxServer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 48


async def test_a_photo_has_several_sizes_each_with_its_own_file_id(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    sent = await bot.send_photo(user["id"], PNG)
    ids = [size.file_id for size in sent.photo]
    assert len(ids) == len(set(ids)) >= 2
    assert sent.photo[-1].width > sent.photo[0].width
    [seen] = await sandbox.client.bot_messages(user["id"])
    assert seen["kind"] == "photo" and seen["file_ids"] == ids


async def test_a_document_upload_keeps_its_name_and_downloads_intact(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    sent = await bot.send_document(user["id"], b"a,b\n1,2\n", filename="bao-cao.csv")
    assert sent.document.file_name == "bao-cao.csv"
    assert sent.document.mime_type == "text/csv"
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"a,b\n1,2\n"


async def test_a_media_group_mixes_uploads_and_file_ids(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    first = await bot.send_photo(user["id"], PNG)
    sent = await bot.send_media_group(
        user["id"], [InputMediaPhoto(first.photo[-1].file_id), InputMediaPhoto(PNG, caption="b")]
    )
    assert sent[0].photo[-1].file_id == first.photo[-1].file_id
    assert sent[0].media_group_id == sent[1].media_group_id
    assert [m.message_id for m in sent] == [2, 3]


async def test_a_media_group_of_documents_is_accepted(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    sent = await bot.send_media_group(
        user["id"],
        [InputMediaDocument(b"1", filename="a.txt"), InputMediaDocument(b"2", filename="b.txt")],
    )
    assert [m.document.file_name for m in sent] == ["a.txt", "b.txt"]


async def test_a_persons_voice_and_video_can_be_downloaded_by_the_bot(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.send_voice(user["id"], user["id"], b"OggS voice")
    await sandbox.client.send_video(user["id"], user["id"], b"\x00\x00\x00\x18ftypmp4")
    voice, video = await bot.get_updates()
    assert voice.message.voice.mime_type == "audio/ogg"
    data = await (await voice.message.voice.get_file()).download_as_bytearray()
    assert bytes(data) == b"OggS voice"
    assert video.message.video.width > 0


async def test_a_bot_location_and_a_forwarded_photo_keep_their_content(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    group = await sandbox.client.create_group("Công an")
    photo = await sandbox.client.send_photo(user["id"], user["id"], PNG, caption="hiện trường")
    await bot.send_location(group["id"], 10.7725, 106.698, live_period=600)
    forwarded = await bot.forward_message(group["id"], user["id"], photo["message"]["message_id"])
    assert forwarded.caption == "hiện trường"
    assert forwarded.forward_origin.sender_user.id == user["id"]
    location, seen_forward = await sandbox.client.bot_messages(group["id"])
    assert location["kind"] == "location" and location["location"]["live_period"] == 600
    assert seen_forward["kind"] == "photo" and seen_forward["forward_origin"]["type"] == "user"
