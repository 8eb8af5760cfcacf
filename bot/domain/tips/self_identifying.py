"""Details in a tip's description that would tell the police who wrote it.

A pseudonym keeps the tipster's Telegram identity out of the card, but a resident may write
their own phone number, e-mail, identity card number, name or address into the description.
Before the review the form shows what was found here and offers to mask it
(``mask``); the resident decides. What is looked for, and what is deliberately not:

- **Phone numbers** of Vietnam, as ``phonenumbers`` (libphonenumber's data) knows them: mobile
  03/05/07/08/09 and landlines 02x, written with a leading 0, ``84`` or ``+84``, in groups
  separated by spaces, dots or dashes. A number without its 0 or country code ("912345678")
  is no phone as people write one; licence plates ("29A-123.45"), dates, times ("21h30") and
  amounts ("5.000.000 đồng") are not valid numbers and are never found.
- **Identity card numbers**: a run of exactly 9 (CMND) or 12 (CCCD) digits that is not a
  phone number and not an amount of money ("123456789 đồng").
- **E-mail addresses**.
- **The person's own Telegram first or last name**, each taken whole (letters only, at least
  two). Almost every Vietnamese name is also a word ("An" in "công an", "Hà", "Hai", "Nam",
  "Phương" beside "phường"), so a name is found only where it is written as a name:
  every word capitalised, with the name's own diacritics or none at all ("Phuong" is
  Phương, "Phường" is not), and a one-word name not at the very start of a sentence, where
  a capital says nothing ("An ninh…", "Hai người…"). A place named like the person ("Hà" in
  "Hà Nội") is still found: better asked once than exposed; the resident may keep it.
- **The writer speaking of themselves**: "tôi là …", "tên tôi là …", "tôi tên là …", "nhà
  tôi ở …", "tôi ở số …", "số điện thoại của tôi …" (and "sđt của tôi …"), with their
  diacritics or typed without any ("toi la …"); what follows, up to the end of the sentence
  (at most a few words), is the finding. "ở số 12 ngõ 34" alone is the place of the crime,
  not the writer's home, and is not found; "tối là" (evening) is not "tôi là".

Spans index the NFC form of the text (what Telegram sends); ``find`` and ``mask`` both use it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from vn_text import fold

from bot.core.i18n import t

REGION = "VN"
PHONE_PREFIXES = ("0", "84", "+84", "(0", "(+84", "(84")
SELF_WORDS = 8  # at most this many words after "tôi là …" are masked with it
MIN_NAME_LETTERS = 2
EXCERPTS, AROUND = 5, 30  # findings shown to the resident, characters of context each side


class Kind(StrEnum):
    """What a finding is; each has a label in the ``details`` catalog."""

    PHONE = "phone"
    ID_NUMBER = "id_number"
    EMAIL = "email"
    NAME = "name"
    SELF = "self"  # the writer speaking of themselves: "tôi là …", "nhà tôi ở …"


@dataclass(frozen=True, slots=True)
class Finding:
    kind: Kind
    start: int
    end: int


EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
ID_NUMBER = re.compile(
    r"(?<![\d.,])(?:\d{12}|\d{9})(?![\d.,]?\d)(?!\s*(?:đồng|đ|vnđ|vnd|dong|k)\b)"
)
# The triggers, longest first: with their diacritics, or typed with none at all.
SELF_TRIGGERS = (
    ("số điện thoại của tôi là", "so dien thoai cua toi la"),
    ("số điện thoại của tôi", "so dien thoai cua toi"),
    ("sđt của tôi là", "sdt cua toi la"),
    ("sđt của tôi", "sdt cua toi"),
    ("tên tôi là", "ten toi la"),
    ("tôi tên là", "toi ten la"),
    ("nhà tôi ở", "nha toi o"),
    ("tôi ở số", "toi o so"),
    ("tôi là", "toi la"),
)
_TRIGGER = re.compile(
    r"(?<!\w)(?:"
    + "|".join(re.escape(form).replace(r"\ ", r"\s+") for pair in SELF_TRIGGERS for form in pair)
    + r")(?!\w)",
    re.IGNORECASE,
)
# What a trigger introduces: up to the end of the sentence or line, at most SELF_WORDS words.
_AFTER = re.compile(r"[ \t:,-]*((?:[^\s.;!?]+[ \t]*){1," + str(SELF_WORDS) + "})")
_SENTENCE_START = re.compile(r"(?:^|[.!?…\n])[\s\"'“‘(«-]*$")
_LETTERS = re.compile(r"[^\W\d_]+")


def find(text: str, names: Iterable[str | None] = ()) -> list[Finding]:
    """The self-identifying details of ``text``, in order, none overlapping; ``names`` are the
    writer's own first and last name (from the update; never stored)."""
    text = unicodedata.normalize("NFC", text)
    found = [
        *_phones(text),
        *_emails(text),
        *(finding for name in names if name for finding in _name(text, name)),
    ]
    phones = [finding for finding in found if finding.kind == Kind.PHONE]
    found += [
        finding
        for finding in _id_numbers(text)
        if not any(p.start < finding.end and finding.start < p.end for p in phones)
    ]
    # "Tôi là chị Lan, gọi 0912…": the phrase stops where a detail of another kind starts,
    # so the resident is told of each kind.
    found += [_cut(text, said, found) for said in _self_mentions(text)]
    return _without_overlaps(finding for finding in found if finding.end > finding.start)


def _cut(text: str, said: Finding, others: Iterable[Finding]) -> Finding:
    end = min(
        [other.start for other in others if said.start <= other.start < said.end], default=said.end
    )
    while end > said.start and (text[end - 1].isspace() or text[end - 1] in ",:-"):
        end -= 1
    return Finding(said.kind, said.start, end)


def kinds(findings: Iterable[Finding]) -> list[Kind]:
    """The kinds found, each once, in the order of ``Kind``."""
    present = {finding.kind for finding in findings}
    return [kind for kind in Kind if kind in present]


def mask(text: str, findings: Sequence[Finding], language: str = "vi") -> str:
    """``text`` with each finding replaced by the catalog's mask ("[đã che]")."""
    text = unicodedata.normalize("NFC", text)
    shown = t("details.mask", language)
    for start, end in reversed(_joined(text, findings)):
        text = text[:start] + shown + text[end:]
    return text


def _joined(text: str, findings: Sequence[Finding]) -> list[tuple[int, int]]:
    """The spans to mask, those with only spaces between them made one ("chị Lan" is one
    mask, not two side by side)."""
    spans: list[tuple[int, int]] = []
    for finding in sorted(findings, key=lambda f: f.start):
        if spans and not text[spans[-1][1] : finding.start].strip():
            spans[-1] = (spans[-1][0], max(spans[-1][1], finding.end))
        else:
            spans.append((finding.start, finding.end))
    return spans


def excerpts(text: str, findings: Sequence[Finding], language: str = "vi") -> list[str]:
    """What the resident is shown: each finding masked, with a few words of the masked text
    around it so they can tell which it is; never a detail itself, nor a long description."""
    text = unicodedata.normalize("NFC", text)
    shown, masked, spans, done = t("details.mask", language), "", [], 0
    for start, end in _joined(text, findings):
        masked += text[done:start]
        spans.append((len(masked), len(masked) + len(shown)))
        masked += shown
        done = end
    masked += text[done:]
    lines = []
    for start, end in spans[:EXCERPTS]:
        before, after = masked[max(0, start - AROUND) : start], masked[end : end + AROUND]
        if start > AROUND:
            before = "…" + (before.split(None, 1)[-1] if " " in before else before)
        if end + AROUND < len(masked):
            after = (after.rsplit(None, 1)[0] if " " in after else after) + "…"
        lines.append(" ".join(f"{before}{masked[start:end]}{after}".split()))
    return lines


def digest(text: str) -> str:
    """A short fingerprint of a description, kept in the draft instead of a second copy, so
    the resident is asked again only when the description changed."""
    normal = unicodedata.normalize("NFC", text).encode()
    return hashlib.blake2b(normal, digest_size=12).hexdigest()


def _phones(text: str) -> Iterable[Finding]:
    for match in phonenumbers.PhoneNumberMatcher(
        text, REGION, leniency=phonenumbers.Leniency.VALID
    ):
        if match.raw_string.replace(" ", "").startswith(PHONE_PREFIXES):
            yield Finding(Kind.PHONE, match.start, match.end)


def _emails(text: str) -> Iterable[Finding]:
    for match in EMAIL.finditer(text):
        yield Finding(Kind.EMAIL, match.start(), match.end())


def _id_numbers(text: str) -> Iterable[Finding]:
    for match in ID_NUMBER.finditer(text):
        yield Finding(Kind.ID_NUMBER, match.start(), match.end())


def _self_mentions(text: str) -> Iterable[Finding]:
    accented = {accented for accented, _ in SELF_TRIGGERS}
    for trigger in _TRIGGER.finditer(text):
        said = " ".join(trigger.group(0).casefold().split())
        if said not in accented and not said.isascii():
            continue  # a mix such as "tối là": another phrase
        after = _AFTER.match(text, trigger.end())
        if after is None:
            continue
        start, end = after.start(1), after.end(1)
        end -= len(text[start:end]) - len(text[start:end].rstrip())
        if end > start:
            yield Finding(Kind.SELF, start, end)


def _name(text: str, name: str) -> Iterable[Finding]:
    words = _LETTERS.findall(unicodedata.normalize("NFC", name))
    if sum(len(word) for word in words) < MIN_NAME_LETTERS or not words:
        return
    own = " ".join(words).casefold()
    pattern = re.compile(
        r"(?<!\w)" + r"\s+".join(re.escape(word) for word in fold(own).split()) + r"(?!\w)",
        re.IGNORECASE,
    )
    # The folded pattern finds only unaccented text; the name as written is searched too.
    written = re.compile(
        r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words) + r"(?!\w)", re.IGNORECASE
    )
    for match in [*written.finditer(text), *pattern.finditer(text)]:
        seen = match.group(0)
        same = " ".join(seen.casefold().split()) == own or seen.isascii()
        capitalised = all(word[0].isupper() for word in seen.split())
        opening = len(words) == 1 and _SENTENCE_START.search(text, 0, match.start()) is not None
        if same and capitalised and not opening:
            yield Finding(Kind.NAME, match.start(), match.end())


def _without_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Earliest first, the longer of two that start together; later overlapping ones drop."""
    kept: list[Finding] = []
    for finding in sorted(set(findings), key=lambda f: (f.start, -f.end)):
        if not kept or finding.start >= kept[-1].end:
            kept.append(finding)
    return kept
