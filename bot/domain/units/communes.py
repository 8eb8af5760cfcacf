"""Vietnam's commune directory after the 1 July 2025 reform (34 provinces, 3,321 communes).

Why this module exists: every tip and patrol check-in is routed to a commune
police post, and reporters name their commune the way people actually type on a
phone: without diacritics, abbreviated ("P. Bến Thành"), run together
("benthanh"), half-finished ("ben than"), with or without the province, and
often with the *old* province ("..., Bình Dương"). Picking the wrong post leaks
a tip to the wrong people, so the search returns ranked candidates for a human
to confirm rather than guessing a single answer.

Design notes:

* Data is a small CSV packaged next to this file (see ``data/NOTICE.md`` for
  provenance). Codes are GSO strings with leading zeros: 5 digits for
  communes, 2 for provinces. Never convert them to ``int``.
* The runtime depends only on ``vn-text`` (folding) and ``rapidfuzz``
  (ranking); the upstream dataset package is needed only by
  ``scripts/build_communes.py``.
* Everything the search touches per query is precomputed in ``__init__`` so a
  query costs a few dict/bisect look-ups plus one or two C-level fuzzy scans
  (well under 2 ms; see ``bench/search.py``).
"""

from __future__ import annotations

import csv
import functools
import math
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from os import PathLike
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz, process
from vn_text import fold

from bot.core.geo import distance_km

__all__ = [
    "Commune",
    "CommuneDirectory",
    "CommuneType",
    "Match",
    "Province",
    "format_match",
    "format_near",
]

CommuneType = Literal["xa", "phuong", "dac_khu"]


# Score scale of ``Match.score`` (0-100). The bands are disjoint on purpose so
# that an exact name always outranks a prefix, which always outranks a typo.
SCORE_EXACT = 100.0
SCORE_PREFIX_BASE = 80.0  # + up to 15 for how much of the name was typed
SCORE_INNER_WORD_BASE = 60.0  # query matches from a later word: "thanh" -> "Bến Thành"
FUZZY_WEIGHT = 0.85  # fuzzy ratio 0-100 scaled into 0-85
FUZZY_CUTOFF = 72.0  # below this the "match" is noise; keeps garbage input at []
PENALTY_WRONG_TYPE = 5.0  # user said "xã" but this is a phường (they might be wrong)
PENALTY_IGNORED_HINT = 2.0  # reading that ignores a type/province the user seemed to give
PENALTY_SEGMENT = 1.0  # name found in one comma-separated part of an address
PENALTY_OTHER_DIACRITICS = 0.5  # same letters, different diacritics than typed

MAX_QUERY_CHARS = 200  # nobody names a commune in more; caps work on pasted junk
MAX_LIMIT = 100

# Leading words that name the unit type, already folded. Single letters are
# the usual abbreviations ("P.", "X."). "TT"/"thị trấn" (township) no longer
# exists after the reform, so it is stripped without implying a type.
_TYPE_WORDS: dict[str, CommuneType | None] = {
    "phuong": "phuong",
    "p": "phuong",
    "ph": "phuong",
    "xa": "xa",
    "x": "xa",
    "dackhu": "dac_khu",
    "dk": "dac_khu",
    "tt": None,
    "thitran": None,
}
_TYPE_WORDS_MAX_TOKENS = 2

# Common informal names, compact folded form. Official, short, "tp"/"tỉnh"
# forms and former (pre-2025) province names are derived from the data.
_EXTRA_PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "01": ("hn", "tphn", "thudohanoi"),
    "31": ("hp", "tphp"),
    "46": ("thuathienhue", "tthue"),
    "79": ("hcm", "tphcm", "hcmc", "saigon", "tpsaigon", "sg", "brvt", "vungtau"),
}
_PROVINCE_ALIAS_MAX_TOKENS = 5  # "thanh pho ho chi minh"
_WORD_RE = re.compile(r"[^\W_]+")
_SEGMENT_RE = re.compile(r"[,;\n]")
_MAX_SEGMENTS = 4


@dataclass(frozen=True, slots=True)
class Province:
    """A province-level unit (tỉnh or thành phố trực thuộc trung ương)."""

    code: str  # 2-digit GSO code, e.g. "79"
    name: str  # "Thành phố Hồ Chí Minh"
    short_name: str  # "Hồ Chí Minh"


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune-level unit: xã, phường or đặc khu.

    ``lat``/``lon`` is one approximate point (partly geocoded upstream), good
    for suggesting nearby communes, not for deciding boundaries.
    """

    code: str  # 5-digit GSO code, e.g. "26743"
    name: str  # "Phường Bến Thành"
    short_name: str  # "Bến Thành"
    type: CommuneType
    province_code: str  # "79"
    province_name: str  # "Thành phố Hồ Chí Minh"
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Match:
    """One search hit. ``score`` is 0-100; 100 means the name matched exactly."""

    commune: Commune
    score: float


@dataclass(frozen=True, slots=True)
class _Reading:
    """One interpretation of a query: which words are the name, and what hints remain."""

    key: str  # compact folded name, e.g. "benthanh"
    marks: tuple[str, ...]  # per-word diacritic signature as typed, "" = typed bare
    type_hint: CommuneType | None
    province_code: str | None
    penalty: float


def _compact(folded: str) -> str:
    return folded.replace(" ", "")


def _words(text: str) -> list[str]:
    """Lower-cased NFC words, split like ``fold`` splits (letters/digits runs)."""
    return _WORD_RE.findall(unicodedata.normalize("NFC", text).lower())


def _word_marks(word: str) -> str:
    """Diacritic signature of one word: its combining marks and đ, order-free.

    Order-free so old- and new-style tone placement ("hoà" vs "hòa") agree.
    """
    return "".join(
        sorted(
            ch
            for ch in unicodedata.normalize("NFD", word)
            if unicodedata.combining(ch) or ch == "đ"
        )
    )


def _typed_marks(raw: str, tokens: list[str]) -> list[str]:
    """Per-token diacritic signatures of the query, or all "" if alignment is unsure."""
    words = _words(raw)
    if len(words) != len(tokens) or any(fold(w) != t for w, t in zip(words, tokens, strict=True)):
        return [""] * len(tokens)
    return [_word_marks(w) for w in words]


def _marks_agree(typed: tuple[str, ...], actual: tuple[str, ...]) -> bool:
    """True unless a word the user typed *with* diacritics has different ones."""
    if len(typed) != len(actual):
        return True  # words were run together; nothing reliable to compare
    return all(not t or t == a for t, a in zip(typed, actual, strict=True))


class CommuneDirectory:
    """In-memory directory with lookup, fuzzy name search and nearest-point search.

    Immutable after construction and safe to share between threads/tasks; use
    :meth:`load` to get the shared default instance.
    """

    def __init__(
        self,
        communes: Iterable[Commune],
        provinces: Iterable[Province],
        former_province_names: dict[str, Sequence[str]] | None = None,
    ) -> None:
        self._communes: tuple[Commune, ...] = tuple(sorted(communes, key=lambda c: c.code))
        self._provinces: dict[str, Province] = {
            p.code: p for p in sorted(provinces, key=lambda p: p.code)
        }
        self._by_code: dict[str, Commune] = {c.code: c for c in self._communes}
        if len(self._by_code) != len(self._communes):
            raise ValueError("duplicate commune codes")
        unknown = {c.province_code for c in self._communes} - self._provinces.keys()
        if unknown:
            raise ValueError(f"communes refer to unknown provinces: {sorted(unknown)}")

        # --- name index -------------------------------------------------
        # Compact folded short names ("benthanh") make spacing irrelevant:
        # "ben thanh", "benthanh" and "Bến  Thành" all collapse to one key.
        self._keys: list[str] = []
        self._marks: list[tuple[str, ...]] = []
        self._province_of: list[str] = []
        self._exact: dict[str, list[int]] = {}
        word_starts: list[tuple[str, int, int]] = []
        for i, c in enumerate(self._communes):
            words = fold(c.short_name).split()
            key = "".join(words)
            self._keys.append(key)
            self._marks.append(tuple(_word_marks(w) for w in _words(c.short_name)))
            self._province_of.append(c.province_code)
            self._exact.setdefault(key, []).append(i)
            for w in range(len(words)):
                word_starts.append(("".join(words[w:]), w, i))
        word_starts.sort()
        # Sorted keys starting at every word boundary: a bisect finds every
        # name that has a word beginning with what the user typed so far.
        self._ws_keys: list[str] = [k for k, _, _ in word_starts]
        self._ws_refs: list[tuple[int, int]] = [(w, i) for _, w, i in word_starts]

        # Per-province slices so a province filter also makes the fuzzy scan smaller.
        self._scope: dict[str | None, tuple[list[int], list[str]]] = {
            None: (list(range(len(self._communes))), self._keys)
        }
        for code in self._provinces:
            idx = [i for i, p in enumerate(self._province_of) if p == code]
            self._scope[code] = (idx, [self._keys[i] for i in idx])

        self._province_aliases = self._build_province_aliases(former_province_names or {})

        # --- geo index ----------------------------------------------------
        self._points_rad: list[tuple[float, float]] = [
            (math.radians(c.lat), math.radians(c.lon)) for c in self._communes
        ]

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, data_dir: str | PathLike[str] | None = None) -> CommuneDirectory:
        """Return the directory built from the packaged CSVs.

        The default instance is cached: building the index costs tens of
        milliseconds and every handler needs the same data. Pass ``data_dir``
        (a folder with ``communes.csv`` and optionally ``provinces.csv``) to
        load other data, e.g. in tests; that is not cached.
        """
        if data_dir is None:
            return _default_directory()
        return cls._from_dir(Path(data_dir))

    @classmethod
    def _from_dir(cls, folder: Path | Traversable) -> CommuneDirectory:
        communes: list[Commune] = []
        provinces: dict[str, Province] = {}
        with (folder / "communes.csv").open("r", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                communes.append(
                    Commune(
                        code=row["code"],
                        name=row["name"],
                        short_name=row["short_name"],
                        type=row["type"],  # type: ignore[arg-type]  # validated below
                        province_code=row["province_code"],
                        province_name=row["province_name"],
                        lat=float(row["lat"]),
                        lon=float(row["lon"]),
                    )
                )
                provinces.setdefault(
                    row["province_code"],
                    Province(row["province_code"], row["province_name"], row["province_short"]),
                )
        bad = [c.code for c in communes if c.type not in ("xa", "phuong", "dac_khu")]
        if bad:
            raise ValueError(f"unknown commune type for codes {bad[:5]}")
        former: dict[str, Sequence[str]] = {}
        prov_file = folder / "provinces.csv"
        if prov_file.is_file():
            with prov_file.open("r", encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    names = [n for n in row.get("former_provinces", "").split("|") if n]
                    former[row["code"]] = names
        return cls(communes, provinces.values(), former)

    # ------------------------------------------------------------------ lookup

    def __len__(self) -> int:
        return len(self._communes)

    def communes(self) -> tuple[Commune, ...]:
        """All communes, sorted by code."""
        return self._communes

    def get(self, code: str) -> Commune | None:
        """Commune by GSO code; tolerates a missing leading zero ("4" -> "00004")."""
        key = str(code).strip()
        return self._by_code.get(key.zfill(5) if key.isdigit() else key)

    def province(self, code: str) -> Province | None:
        """Province by GSO code; tolerates a missing leading zero ("1" -> "01")."""
        key = str(code).strip()
        return self._provinces.get(key.zfill(2) if key.isdigit() else key)

    def provinces(self) -> list[Province]:
        """The 34 provinces, sorted by code (GSO order, roughly north to south)."""
        return list(self._provinces.values())

    def resolve_province(self, text: str) -> Province | None:
        """Province from a code or a name/alias ("79", "hcm", "Bình Dương" -> 79).

        Lets a ``--province`` option accept what a person would type.
        """
        if not isinstance(text, str):
            return None
        by_code = self.province(text)
        if by_code is not None:
            return by_code
        code = self._province_aliases.get(_compact(fold(text[:MAX_QUERY_CHARS])))
        return self._provinces.get(code) if code else None

    # ------------------------------------------------------------------ search

    def search(self, text: str, province_code: str | None = None, limit: int = 10) -> list[Match]:
        """Rank communes whose name matches ``text``; best first, at most ``limit``.

        Accepts type prefixes and abbreviations (Phường/P./P, Xã/X., Đặc khu/ĐK,
        TT), a province before or after the name ("bến thành, hồ chí minh",
        "ben thanh hcm", old provinces such as "Bình Dương"), missing spaces,
        missing diacritics, unfinished words and small typos. A name shared by
        several communes returns all of them; equal scores are ordered by
        province code, then commune code, so results are stable.

        ``province_code`` restricts results to one province (a code, or any
        name :meth:`resolve_province` understands); an unknown province gives
        ``[]``. Bad input (empty, punctuation, non-string) gives ``[]``; this
        method does not raise on user text.
        """
        if not isinstance(text, str) or not isinstance(limit, int) or limit <= 0:
            return []
        limit = min(limit, MAX_LIMIT)
        scope: str | None = None
        if province_code is not None:
            prov = self.resolve_province(str(province_code))
            if prov is None:
                return []
            scope = prov.code

        raw = text.strip()[:MAX_QUERY_CHARS]
        if raw.isdigit() and len(raw) <= 5:  # someone pasted a commune code
            hit = self.get(raw)
            if hit is not None and (scope is None or hit.province_code == scope):
                return [Match(hit, SCORE_EXACT)]
            return []

        tokens = fold(raw).split()
        if not tokens:
            return []
        marks = _typed_marks(raw, tokens)

        best: dict[int, float] = {}
        for reading in self._readings(tokens, marks, scope):
            self._score_reading(reading, best)
        for reading in self._segment_readings(raw, scope):
            self._score_reading(reading, best)
        if not best:
            return []
        communes = self._communes
        ranked = sorted(
            best.items(),
            key=lambda kv: (-kv[1], communes[kv[0]].province_code, communes[kv[0]].code),
        )
        return [Match(communes[i], round(s, 2)) for i, s in ranked[:limit]]

    def _readings(
        self, tokens: list[str], marks: list[str], scope: str | None, base_penalty: float = 0.0
    ) -> list[_Reading]:
        """Split the query into (name, type hint, province hint) interpretations.

        Words like "xa" or a trailing "ha noi" are ambiguous: "Xã Xà Phiên"
        starts with a type word that is also part of the name, and "Phường
        Phú Thọ" (in Hồ Chí Minh) ends with a province name. Rather than guess,
        every plausible reading is scored and each commune keeps its best
        score; readings that ignore a hint the user seemed to give pay a small
        penalty.
        """
        n = len(tokens)
        spans: list[tuple[int, int, str | None, float]] = []
        found = self._split_province(tokens)
        for lo, hi, province_code in found:
            if scope is None or scope == province_code:
                spans.append((lo, hi, province_code, base_penalty))
        spans.append((0, n, scope, base_penalty + (PENALTY_IGNORED_HINT if found else 0.0)))

        readings: list[_Reading] = []
        for lo, hi, code, penalty in spans:
            typed = self._split_type(tokens[lo:hi])
            if typed is not None:
                skip, kind = typed
                if lo + skip < hi:
                    readings.append(
                        _Reading(
                            "".join(tokens[lo + skip : hi]),
                            tuple(marks[lo + skip : hi]),
                            kind,
                            code,
                            penalty,
                        )
                    )
                penalty += PENALTY_IGNORED_HINT
            readings.append(
                _Reading("".join(tokens[lo:hi]), tuple(marks[lo:hi]), None, code, penalty)
            )
        return readings

    def _segment_readings(self, raw: str, scope: str | None) -> list[_Reading]:
        """Extra readings for address-style input: "P. Bến Thành, Q.1, TP.HCM".

        Old district names ("Q.1", "Huyện X") no longer exist and would spoil
        the whole-query match, so each comma-separated part is also tried as
        the name on its own, within the province named by another part.
        """
        parts = [p for p in _SEGMENT_RE.split(raw) if p.strip()]
        if len(parts) < 2:
            return []
        parts = parts[:_MAX_SEGMENTS]
        folded = [fold(p).split() for p in parts]
        hint = scope
        for words in folded:
            code = self._province_aliases.get("".join(words))
            if code is not None and (scope is None or scope == code):
                hint = code
        readings: list[_Reading] = []
        for part, words in zip(parts, folded, strict=True):
            if words and self._province_aliases.get("".join(words)) is None:
                marks = _typed_marks(part, words)
                readings.extend(self._readings(words, marks, hint, PENALTY_SEGMENT))
        return readings

    def _split_province(self, tokens: list[str]) -> list[tuple[int, int, str]]:
        """Find a province alias at the end and/or at the start of the query.

        Returns (start, end, code) spans of the remaining words: at most one
        for a trailing alias and one for a leading alias, since "phú thọ hcm"
        is a commune named after one province located in another. The longest
        alias wins at each end so "thanh pho ho chi minh" is not read as
        "... minh". At least one word besides a type word must remain,
        otherwise the query *is* the name: "Phường Bình Dương" is a commune.
        """
        n = len(tokens)
        spans: list[tuple[int, int, str]] = []
        for at_end in (True, False):
            for k in range(min(n - 1, _PROVINCE_ALIAS_MAX_TOKENS), 0, -1):
                lo, hi = (0, n - k) if at_end else (k, n)
                alias = tokens[n - k :] if at_end else tokens[:k]
                code = self._province_aliases.get("".join(alias))
                if code is None:
                    continue
                typed = self._split_type(tokens[lo:hi])
                if typed is None or typed[0] < hi - lo:
                    spans.append((lo, hi, code))
                    break
        return spans

    @staticmethod
    def _split_type(tokens: list[str]) -> tuple[int, CommuneType | None] | None:
        """Count leading type words ("phuong", "p", "xa", "dac khu", "dk", "tt")."""
        for k in range(min(_TYPE_WORDS_MAX_TOKENS, len(tokens)), 0, -1):
            head = "".join(tokens[:k])
            if head in _TYPE_WORDS:
                return k, _TYPE_WORDS[head]
        return None

    def _score_reading(self, reading: _Reading, best: dict[int, float]) -> None:
        key = reading.key
        if len(key) < 2:  # one letter matches everything and means nothing
            return
        province_of = self._province_of
        communes = self._communes
        want = reading.province_code

        def offer(i: int, score: float) -> None:
            if want is not None and province_of[i] != want:
                return
            if reading.type_hint is not None and communes[i].type != reading.type_hint:
                score -= PENALTY_WRONG_TYPE
            score -= reading.penalty
            if score > best.get(i, -1.0):
                best[i] = score

        # Folding is lossy ("Tân Định" and "Tân Dĩnh" are both "tan dinh"), so
        # when the user did type diacritics, honour them as a tie-breaker.
        typed_marks = reading.marks if any(reading.marks) else None
        for i in self._exact.get(key, ()):
            score = SCORE_EXACT
            if typed_marks is not None and not _marks_agree(typed_marks, self._marks[i]):
                score -= PENALTY_OTHER_DIACRITICS
            offer(i, score)

        # Prefix of the whole name or of a later word, via the sorted word-start keys.
        lo = bisect_left(self._ws_keys, key)
        ws_keys, ws_refs, keys = self._ws_keys, self._ws_refs, self._keys
        for j in range(lo, len(ws_keys)):
            if not ws_keys[j].startswith(key):
                break
            word, i = ws_refs[j]
            full = keys[i]
            if word == 0 and full == key:
                continue  # exact, scored above
            coverage = 15.0 * len(key) / len(full)
            offer(i, (SCORE_PREFIX_BASE if word == 0 else SCORE_INNER_WORD_BASE) + coverage)

        # Typos: one C-level scan over the (possibly province-restricted) names.
        indices, choices = self._scope[want]
        for _choice, ratio, pos in process.extract(
            key, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=None
        ):
            offer(indices[pos], FUZZY_WEIGHT * ratio)

    def _build_province_aliases(self, former: dict[str, Sequence[str]]) -> dict[str, str]:
        """Map compact folded province names/abbreviations to codes.

        Aliases claimed by two provinces are dropped: a wrong province silently
        filters out the right commune, which is worse than no hint at all.
        """
        claims: dict[str, set[str]] = {}

        def claim(alias: str, code: str) -> None:
            if len(alias) >= 2:
                claims.setdefault(alias, set()).add(code)

        for p in self._provinces.values():
            short = _compact(fold(p.short_name))
            claim(_compact(fold(p.name)), p.code)
            claim(short, p.code)
            claim("tp" + short, p.code)
            claim("thanhpho" + short, p.code)
            claim("tinh" + short, p.code)
            for alias in _EXTRA_PROVINCE_ALIASES.get(p.code, ()):
                claim(alias, p.code)
            for old in former.get(p.code, ()):
                old_key = _compact(fold(old))
                claim(old_key, p.code)
                for prefix in ("tinh", "thanhpho"):
                    if old_key.startswith(prefix):
                        claim(old_key[len(prefix) :], p.code)
                        claim("tp" + old_key[len(prefix) :], p.code)
        return {alias: next(iter(codes)) for alias, codes in claims.items() if len(codes) == 1}

    # ------------------------------------------------------------------ nearest

    def nearest(self, lat: float, lon: float, count: int = 3) -> list[tuple[Commune, float]]:
        """The ``count`` communes whose reference point is closest, with distance in km.

        Points are approximate, so this suggests candidates ("are you in one
        of these?"); it does not tell which commune contains the point. Invalid
        coordinates give ``[]``. A plain scan: a cheap equirectangular pass
        picks a shortlist, then haversine orders it exactly; ~3,300 points make
        a spatial index not worth its complexity.
        """
        try:
            lat_f, lon_f = float(lat), float(lon)
        except (TypeError, ValueError):
            return []
        if not (math.isfinite(lat_f) and math.isfinite(lon_f)):
            return []
        if not (-90.0 <= lat_f <= 90.0 and -180.0 <= lon_f <= 180.0):
            return []
        if not isinstance(count, int) or count <= 0:
            return []
        count = min(count, len(self._communes))
        la, lo = math.radians(lat_f), math.radians(lon_f)
        k = math.cos(la) ** 2
        approx = sorted(
            ((a - la) ** 2 + k * (b - lo) ** 2, i) for i, (a, b) in enumerate(self._points_rad)
        )
        shortlist = approx[: count + 16]
        exact = sorted(
            (
                distance_km(lat_f, lon_f, self._communes[i].lat, self._communes[i].lon),
                self._communes[i].code,
                i,
            )
            for _, i in shortlist
        )
        return [(self._communes[i], km) for km, _, i in exact[:count]]


@functools.cache
def _default_directory() -> CommuneDirectory:
    return CommuneDirectory._from_dir(resources.files(__package__) / "data")


def format_match(match: Match) -> str:
    """One CLI/chat line: ``26743  Phường Bến Thành — Thành phố Hồ Chí Minh (79)``."""
    return _describe(match.commune)


def format_near(commune: Commune, km: float) -> str:
    """One CLI/chat line with distance: ``... (79)  0.42 km``."""
    return f"{_describe(commune)}  {km:.2f} km"


def _describe(c: Commune) -> str:
    return f"{c.code}  {c.name} — {c.province_name} ({c.province_code})"
