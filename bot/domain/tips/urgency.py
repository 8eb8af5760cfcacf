"""Which tips are urgent: marked 🚨, re-alerted after 10 minutes and escalated after 30.

A tip is urgent when

- it is happening now (the "when" step's *Đang xảy ra*) and its category is one where minutes
  count: violence (incl. domestic violence), theft and robbery, fire, explosives and weapons; or
- its description names a danger to someone's life: a weapon drawn, a fight, a stabbing, a
  fire or an explosion, a kidnapping, a call for help.

A category alone is not enough: a report that a shop keeps fireworks, or of a beating last
month, is serious but not an emergency, and a 🚨 on it teaches officers to ignore the mark.

Words are matched whole and **with their diacritics**: "lừa đảo" (fraud) is not "dao" (knife),
"Nó" (he) is not "nổ" (explosion), "chạy xe" (riding) is not "cháy" (fire). Single syllables
are too ambiguous even then ("phòng cháy chữa cháy" is fire *prevention*), so the list holds
phrases ("bốc cháy", "cầm dao", "nổ súng"), plus the few words that are dangers on their own
("súng", "lựu đạn"). Before matching, text is NFC-normalised and case-folded (diacritics
kept), and the old tone placement is read as the new one ("hỏa hoạn" = "hoả hoạn").

Residents often type without diacritics ("co nguoi dang cam dao chem nhau"). A description
with no diacritic at all is also matched against the unaccented form of the phrases that no
ordinary phrase shares ("cam dao", "chem nhau", "chay nha"), never against a single syllable:
"dao" may be đạo or đảo, "no" nợ or nó, "chay" chạy or chảy, and some phrases are left out
for the same reason: "tu tu" is also "từ từ" (slowly), "dang chay" "đang chạy" (running),
"chay mau" "chạy mau" (run fast), "kip no" "kịp nó" (catch him), "thuoc no" "thuốc nó" (his
drugs), "vung dao" "vùng đảo" (islands). Guns count unaccented only where either reading is
a weapon ("ban sung": bắn or bán súng). A description that carries diacritics is read only as
written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

NOW = "now"  # the "when" step's answer for "happening now"
URGENT_WHEN_HAPPENING = frozenset({"violence", "theft", "fire"})

# Dangers with diacritics, as a resident writes them; matched whole, in any case.
DANGERS = (
    # weapons and explosives
    "súng", "nổ súng", "cầm dao", "rút dao", "vung dao", "mang dao", "dao găm", "mã tấu",
    "hung khí", "lựu đạn", "mìn", "thuốc nổ", "kíp nổ", "quả bom", "đặt bom", "gài bom",
    # fights and attacks
    "đánh nhau", "đâm nhau", "chém nhau", "bắn nhau", "hỗn chiến", "ẩu đả", "đánh hội đồng",
    "đâm người", "chém người", "bắn người", "bị đâm", "bị chém", "đâm chết", "chém chết",
    "đánh chết", "bắn chết", "giết người", "dọa giết", "đòi giết", "giết chết", "chết người",
    "thi thể", "xác chết", "bắt cóc", "hiếp dâm", "cưỡng hiếp", "tự tử", "tự sát",
    "nhảy cầu",
    # someone hurt, a call for help
    "bất tỉnh", "ngất xỉu", "chảy máu", "bị thương", "cấp cứu", "kêu cứu", "cứu với",
    "cứu tôi", "cứu em", "cứu mạng", "khẩn cấp",
    # fire and explosions
    "cháy nhà", "đang cháy", "bốc cháy", "cháy lớn", "cháy rừng", "đám cháy", "hỏa hoạn",
    "phát hỏa", "vụ nổ", "phát nổ", "tiếng nổ", "nổ lớn", "nổ tung", "gây nổ",
)  # fmt: skip

# Without diacritics these still read only as the danger (see the module's docstring).
UNACCENTED_DANGERS = (
    "ban sung", "cam sung", "mang sung", "cam dao", "rut dao", "dao gam", "hung khi",
    "luu dan", "qua bom", "dat bom", "gai bom", "danh nhau", "dam nhau", "chem nhau",
    "hon chien", "au da", "danh hoi dong", "chem nguoi", "bi chem", "dam chet", "chem chet",
    "danh chet", "ban chet", "giet nguoi", "doa giet", "doi giet", "giet chet", "chet nguoi",
    "xac chet", "bat coc", "hiep dam", "cuong hiep", "tu sat", "nhay cau", "bat tinh",
    "ngat xiu", "cap cuu", "keu cuu", "cuu voi", "cuu toi", "cuu em", "khan cap", "chay nha",
    "boc chay", "chay rung", "hoa hoan", "phat no",
)  # fmt: skip

# English descriptions (the bot speaks English too): whole words, unambiguous ones only.
ENGLISH_DANGERS = (
    "gun", "guns", "gunfire", "shooting", "knife", "knives", "machete", "stabbed", "stabbing",
    "on fire", "explosion", "bomb", "grenade", "kidnapped", "kidnapping", "rape", "help me",
    "emergency", "bleeding", "unconscious", "dead body",
)  # fmt: skip

TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
# Old tone placement on an open "oa", "oe", "uy": hòa, khỏe, thủy (new: hoà, khoẻ, thuỷ).
OLD_TONE_PLACEMENT = re.compile(r"([òóỏõọ])([ae])(?!\w)|([ùúủũụ])(y)(?!\w)")


def _move_tone(match: re.Match[str]) -> str:
    toned, vowel = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
    decomposed = unicodedata.normalize("NFD", toned)
    base = "".join(mark for mark in decomposed if mark not in TONES)
    tone = "".join(mark for mark in decomposed if mark in TONES)
    return unicodedata.normalize("NFC", base + vowel + tone)


def canonical(text: str) -> str:
    """NFC, case-folded with diacritics kept, tones placed the new way."""
    folded = unicodedata.normalize("NFC", text).casefold()
    return OLD_TONE_PLACEMENT.sub(_move_tone, folded)


def _whole_words(phrases: Iterable[str]) -> re.Pattern[str]:
    forms = sorted({canonical(p) for p in phrases}, key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(map(re.escape, form.split())) for form in forms)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


ACCENTED = _whole_words(DANGERS + ENGLISH_DANGERS)
UNACCENTED = _whole_words(UNACCENTED_DANGERS + ENGLISH_DANGERS)


def has_diacritics(text: str) -> bool:
    decomposed = unicodedata.normalize("NFD", text)
    return "đ" in decomposed or any(unicodedata.combining(char) for char in decomposed)


def names_danger(description: str) -> bool:
    """The description names a danger to life (see the module's docstring)."""
    text = canonical(description)
    if ACCENTED.search(text):
        return True
    return not has_diacritics(text) and UNACCENTED.search(text) is not None


def is_urgent(category: str | None, description: str, occurred: str | None) -> bool:
    """``occurred`` is the draft's "when" answer ("now" when it is happening)."""
    happening = occurred == NOW and category in URGENT_WHEN_HAPPENING
    return happening or names_danger(description)
