"""The description of a tip (or a patrol incident) grows message by message, by one rule."""

from __future__ import annotations

from bot.domain.tips.intake import DESCRIPTION_LIMIT, Draft, add_to_description

PHOTO = {"kind": "photo", "message_id": 7}


def test_text_and_media_are_added_in_order() -> None:
    draft = Draft()
    assert add_to_description(draft, "Có người bán ma túy.", None, False) is None
    assert add_to_description(draft, "Ở hẻm 12.", PHOTO, False) is None
    assert draft.description == "Có người bán ma túy.\nỞ hẻm 12."
    assert draft.attachments == [PHOTO]


def test_an_image_sent_as_a_file_is_refused_and_adds_nothing() -> None:
    draft = Draft()
    assert add_to_description(draft, "ảnh", {"kind": "document"}, True) == "document_refused"
    assert draft.description == "" and draft.attachments == []


def test_a_message_with_neither_text_nor_media_gets_the_hint() -> None:
    assert add_to_description(Draft(), "", None, False) == "description_hint"


def test_a_description_over_the_limit_is_refused_and_kept_as_it_was() -> None:
    draft = Draft(description="a" * (DESCRIPTION_LIMIT - 5))
    assert add_to_description(draft, "bcdefgh", None, False) == "description_too_long"
    assert draft.description == "a" * (DESCRIPTION_LIMIT - 5)
