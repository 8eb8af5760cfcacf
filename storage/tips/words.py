"""/find by words: the unit's newest tips whose folded description has a word starting with
each word asked, read through each database's word index so the cost follows the matches,
not the unit's years of history.

The answer is always the LIKEs' (``folded`` holds `` word`` for each word typed): an index
only narrows the rows they are tried on, so a token the index does not know never loses a
match, it only leaves that word to the LIKE.

- SQLite: the FTS5 table ``tip_words`` of migration 0029, read newest id first.
- PostgreSQL: the GIN index ``ix_tip_words`` of migration 0031 over ``tip_words(unit_id,
  province_code, folded)``, a tsvector of scope tokens and word prefixes. A GIN index answers
  with a bitmap, unordered: a common phrase would fetch and sort all its matches. So the
  unit's newest ``WALKED`` tips are tried first, in index order; only when they hold fewer
  than the tips asked for is the word index asked, and then the phrase is rare there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    column,
    func,
    literal_column,
    or_,
    select,
    union,
)
from sqlalchemy import table as sql_table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.tips.models import Tip

# SQLite (migration 0029): the FTS5 table, read by SQL here only (the migration makes it),
# and the longest prefix it indexes (prefix='2 3').
_INDEXED_PREFIX = 3
_TIP_WORDS = sql_table("tip_words", column("rowid", Integer), column("tip_words"))

# PostgreSQL (migration 0031): the tips of a unit tried in order before its word index.
WALKED = 200

_WORD_RUN = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


def word_prefixes(words: tuple[str, ...]) -> tuple[str, ...]:
    """Each word's first run of letters and digits, the prefix the FTS5 table is asked for.

    A folded word that matches the start of a word of the description has this run at the
    start of one of the index's tokens; a word with no letter or digit is left to the LIKE."""
    runs = (_WORD_RUN.search(word) for word in words)
    return tuple(dict.fromkeys(run.group() for run in runs if run is not None))


def prefix_tokens(words: tuple[str, ...]) -> tuple[str, ...]:
    """The tokens of ``tip_words()`` (migration 0031) that every match of ``words`` holds.

    The function turns each word of the description into ``c`` + its first three characters
    and ``b`` + its first two. A typed word of three characters or more that starts with
    three ASCII letters or digits is asked as its ``c`` token, one of two as its ``b`` token;
    any other word (one letter, punctuation first, another script) gets no token: the
    PostgreSQL text parser would split or change it, and only the LIKE judges it."""
    tokens = []
    for word in words:
        if _ASCII_WORD.fullmatch(word[:3]) and len(word) >= 3:
            tokens.append("c" + word[:3])
        elif _ASCII_WORD.fullmatch(word[:2]) and len(word) >= 2:
            tokens.append("b" + word[:2])
    return tuple(dict.fromkeys(tokens))


def matching(entity: Any, words: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """The LIKEs that decide a match: each word starts a word of the folded description."""
    return [col(entity.folded).contains(f" {word}", autoescape=True) for word in words]


def newest_first(statement: Select[Any], entity: Any, limit: int) -> Select[Any]:
    """/find's order, newest first, ties by id; ``entity`` is ``Tip`` or an alias of it."""
    return statement.order_by(col(entity.created_at).desc(), col(entity.id).desc()).limit(limit)


@dataclass(frozen=True, slots=True)
class WordSearch:
    """A /find by words: ``statement`` already holds the unit, the hold and the LIKEs."""

    statement: Select[tuple[Tip]]
    unit_id: int
    province_code: str | None
    words: tuple[str, ...]
    limit: int

    def scope(self, either: str) -> str:
        """The scope tokens asked of a word index, joined by its ``either`` operator."""
        if self.province_code is None:
            return f"u{self.unit_id}"
        return f"(u{self.unit_id} {either} p{self.province_code})"


async def find_on_sqlite(session: AsyncSession, search: WordSearch) -> list[Tip] | None:
    """The tips read from the FTS5 table of migration 0029, driven by it; None when no word
    has a letter or digit to ask it (the caller walks the unit's tips).

    The table holds each tip's scope (``u<unit> p<province>``) beside its folded words, so
    one MATCH asks for the unit's tips with every prefix and reads the posting lists of
    those words only. FTS5 returns them newest id first (ORDER BY rowid DESC is its own
    order, no sort), each joined to its tip by primary key, and the scan stops at ``limit``
    tips that also pass the LIKEs and the hold: a common phrase costs about ``limit`` rows
    and a rare word its few matches, whatever the unit's history. Ids grow with receipt, so
    the id order is the newest-first order; the few rows are put in /find's order
    (created_at, then id) in memory.

    Each prefix is asked at most 3 characters long (a single letter not at all): FTS5
    reads a prefix of an indexed length (``prefix='2 3'``) incrementally, newest first,
    but any other prefix by first merging every matching row of all units (9 ms for
    "trom" at 1,000,000 tips, 0.2 ms for "tro")."""
    prefixes = word_prefixes(search.words)
    if not prefixes:
        return None
    indexed = dict.fromkeys(p[:_INDEXED_PREFIX] for p in prefixes if len(p) > 1)
    scope = search.scope("OR")
    match = " AND ".join([f"scope : {scope}", *(f'words : "{p}"*' for p in indexed)])
    statement = (
        search.statement.join(_TIP_WORDS, _TIP_WORDS.c.rowid == col(Tip.id))
        .where(_TIP_WORDS.c.tip_words.op("MATCH")(match))
        .order_by(_TIP_WORDS.c.rowid.desc())
        .limit(search.limit)
    )
    found = (await session.execute(statement)).scalars().all()
    return sorted(found, key=lambda tip: (tip.created_at, tip.id or 0), reverse=True)


async def find_on_postgresql(session: AsyncSession, search: WordSearch) -> list[Tip] | None:
    """The newest ``limit`` matches: from the unit's newest ``WALKED`` tips when they hold
    that many, else from the word index; None when no word gives a token (the caller walks).

    The walk reads ``ix_tip_unit_created`` (and, for a province unit,
    ``ix_tip_province_created``) backwards and stops after ``WALKED`` rows whatever the plan
    cache decides, where an unbounded walk under a generic plan read the whole unit (15 ms
    for 5,704 tips). If the newest
    ``WALKED`` tips hold ``limit`` matches, those are the newest matches of all. Otherwise
    the phrase is rare among recent tips, and the GIN index, whose tsquery holds the scope
    token beside the words' tokens, reads the unit's matches alone."""
    tokens = prefix_tokens(search.words)
    if not tokens:
        return None
    walked = await _walk_newest(session, search)
    if len(walked) == search.limit:
        return walked
    query = " & ".join([search.scope("|"), *tokens])
    index = func.tip_words(col(Tip.unit_id), col(Tip.province_code), col(Tip.folded))
    matched = index.op("@@")(func.to_tsquery(literal_column("'simple'"), query))
    statement = newest_first(search.statement.where(matched), Tip, search.limit)
    return list((await session.execute(statement)).scalars().all())


async def _walk_newest(session: AsyncSession, search: WordSearch) -> list[Tip]:
    """The matches among the scope's newest ``WALKED`` visible tips, newest first.

    A province unit's scope is its own tips and its province's: each is walked through its
    own index, and the newest ``WALKED`` of both together are the scope's newest."""
    scopes: Sequence[ColumnElement[bool]] = [col(Tip.unit_id) == search.unit_id]
    if search.province_code is not None:
        scopes = [*scopes, col(Tip.province_code) == search.province_code]
    walks = [
        newest_first(select(Tip).where(scope, col(Tip.held).is_(False)), Tip, WALKED)
        for scope in scopes
    ]
    if len(walks) == 1:
        recent = aliased(Tip, walks[0].subquery("recent"))
    else:
        both = union(*walks).subquery("both")
        newest = aliased(Tip, both)
        recent = aliased(Tip, newest_first(select(newest), newest, WALKED).subquery("recent"))
    found = select(recent).where(*matching(recent, search.words))
    statement = newest_first(found, recent, search.limit)
    return list((await session.execute(statement)).scalars().all())


def in_scope(unit_id: int, province_code: str | None) -> ColumnElement[bool]:
    """The unit's tips, and for a province unit its province's too."""
    unit = col(Tip.unit_id) == unit_id
    return unit if province_code is None else or_(unit, col(Tip.province_code) == province_code)
