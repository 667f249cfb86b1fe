"""Chinese full-text search over the library (issue 13.1).

Text is segmented by jieba (``cut_for_search``, which also yields the shorter words inside long
ones: 公益诉讼 gives 公益, 诉讼 and 公益诉讼), normalised (NFKC, lower case) and cut further into
runs of Latin letters/digits and runs of other word characters, so that PostgreSQL's parser and
SQLite's ``unicode61`` tokenizer both see exactly the same words. A query is segmented the same
way and matches a document holding every one of its words (AND).

- PostgreSQL (production and the tests): ``SearchVector('tokens', config='simple')`` matched by
  ``plainto_tsquery('simple', …)`` and ranked by ``SearchRank`` (ts_rank); a GIN index on the
  same expression (migration 0002, PostgreSQL only).
- SQLite (the demo): the FTS5 table ``library_fts``, kept in step with
  ``library_searchdocument`` by triggers (``SQLITE_FTS``), ranked by ``bm25``.

Both orders put the best match first; ties (and equal ranks) fall back to the document id.
``search_sqlite`` is plain SQL on a DB-API cursor, so a test can run it on a separate SQLite
database and compare it with PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from html import unescape
from typing import Any

# Words too common to narrow a search (a query "的公益诉讼" still finds 公益诉讼).
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "在",
        "是",
        "对",
        "等",
        "中",
        "为",
        "将",
        "把",
        "被",
        "由",
        "从",
        "向",
        "以",
        "于",
        "之",
        "其",
        "这",
        "那",
        "也",
        "都",
        "就",
        "并",
        "而",
        "及其",
        "有关",
        "关于",
        "一",
        "个",
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "to",
        "in",
        "on",
        "for",
    ]
)
_PIECES = re.compile(r"[a-z0-9]+|[^\W_a-z0-9]+")
_TAGS = re.compile(r"<[^>]*>")


@cache
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def plain_text(html: str) -> str:
    """The text of sanitised HTML (tags dropped, entities decoded)."""
    return unescape(_TAGS.sub(" ", html or ""))


def words(text: str) -> list[str]:
    """The text's words, in order, with repetitions (what a document is indexed by)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    found: list[str] = []
    for token in _jieba().cut_for_search(text):
        found.extend(piece for piece in _PIECES.findall(token) if piece not in STOPWORDS)
    return found


def query_words(query: str) -> list[str]:
    """The words a query asks for (each once, in order)."""
    return list(dict.fromkeys(words(query)))


def tokens(parts: Iterable[str]) -> str:
    """What ``SearchDocument.tokens`` holds: the parts' words joined by spaces."""
    return " ".join(w for part in parts for w in words(part))


@dataclass(frozen=True)
class Filters:
    """What narrows a search. ``own_units`` and ``shared_units`` are the viewer's scope (unit
    ids): documents of ``own_units`` and, if ``visible_to_all``, of ``shared_units``; ``None``
    for no limit (used by the benchmark and the comparison test)."""

    level: str = ""
    line: str = ""
    year: int | None = None
    kind: str = ""
    unit_ids: Sequence[int] | None = None
    own_units: Sequence[int] | None = None
    shared_units: Sequence[int] = ()


@dataclass(frozen=True)
class Hit:
    doc_id: int
    rank: float


# The SQLite side (the demo database, and the comparison test's database).
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS library_fts USING fts5("
    "tokens, content='library_searchdocument', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS library_fts_ai AFTER INSERT ON library_searchdocument BEGIN "
    "INSERT INTO library_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER IF NOT EXISTS library_fts_ad AFTER DELETE ON library_searchdocument BEGIN "
    "INSERT INTO library_fts(library_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS library_fts_au AFTER UPDATE ON library_searchdocument BEGIN "
    "INSERT INTO library_fts(library_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO library_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "INSERT INTO library_fts(library_fts) VALUES ('rebuild')",
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS library_fts_ai",
    "DROP TRIGGER IF EXISTS library_fts_ad",
    "DROP TRIGGER IF EXISTS library_fts_au",
    "DROP TABLE IF EXISTS library_fts",
)


def _in(column: str, values: Sequence[int], params: list[Any]) -> str:
    if not values:
        return "0 = 1"
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def search_sqlite(
    cursor: Any, query: str, filters: Filters, *, limit: int = 50, placeholder: str = "?"
) -> list[Hit]:
    """The best ``limit`` documents for ``query`` on SQLite (FTS5 and bm25; lower is better)."""
    asked = query_words(query)
    if not asked:
        return []
    match = " ".join(f'"{w}"' for w in asked)
    params: list[Any] = [match]
    where = ["library_fts MATCH ?"]
    for column, value in (("level", filters.level), ("line", filters.line)):
        if value:
            where.append(f"d.{column} = ?")
            params.append(value)
    if filters.kind:
        where.append("d.kind = ?")
        params.append(filters.kind)
    if filters.year is not None:
        where.append("d.year = ?")
        params.append(filters.year)
    if filters.unit_ids is not None:
        where.append(_in("d.unit_id", filters.unit_ids, params))
    if filters.own_units is not None:
        own = _in("d.unit_id", filters.own_units, params)
        shared = _in("d.unit_id", filters.shared_units, params)
        where.append(f"({own} OR (d.visible_to_all AND {shared}))")
    sql = (
        "SELECT d.id, bm25(library_fts) AS score FROM library_fts "
        "JOIN library_searchdocument d ON d.id = library_fts.rowid "
        f"WHERE {' AND '.join(where)} ORDER BY score, d.id LIMIT ?"
    )
    params.append(limit)
    if placeholder != "?":
        sql = sql.replace("?", placeholder)
    cursor.execute(sql, params)
    return [Hit(int(doc_id), -float(score)) for doc_id, score in cursor.fetchall()]


def search_postgres(query: str, filters: Filters, *, limit: int = 50) -> list[Hit]:
    """The best ``limit`` documents for ``query`` on PostgreSQL (ts_rank; higher is better)."""
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
    from django.db.models import Q

    from grassroots.library.models import SearchDocument

    asked = query_words(query)
    if not asked:
        return []
    vector = SearchVector("tokens", config="simple")
    wanted = SearchQuery(" ".join(asked), config="simple", search_type="plain")
    docs = SearchDocument.objects.annotate(vector=vector).filter(vector=wanted)
    if filters.level:
        docs = docs.filter(level=filters.level)
    if filters.line:
        docs = docs.filter(line=filters.line)
    if filters.kind:
        docs = docs.filter(kind=filters.kind)
    if filters.year is not None:
        docs = docs.filter(year=filters.year)
    if filters.unit_ids is not None:
        docs = docs.filter(unit_id__in=list(filters.unit_ids))
    if filters.own_units is not None:
        docs = docs.filter(
            Q(unit_id__in=list(filters.own_units))
            | Q(visible_to_all=True, unit_id__in=list(filters.shared_units))
        )
    ranked = docs.annotate(rank=SearchRank(vector, wanted)).order_by("-rank", "id")
    return [Hit(pk, float(rank)) for pk, rank in ranked.values_list("id", "rank")[:limit]]


def search(query: str, filters: Filters, *, limit: int = 50) -> list[Hit]:
    """Search on the default database, whichever it is."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return search_postgres(query, filters, limit=limit)
    with connection.cursor() as cursor:
        return search_sqlite(cursor, query, filters, limit=limit, placeholder="%s")
