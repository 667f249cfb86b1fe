"""Chinese full-text search over the library (issue 13.1).

Text is segmented by jieba (``cut_for_search``, which also yields the shorter words inside long
ones: 公益诉讼 gives 公益, 诉讼 and 公益诉讼), normalised (NFKC, lower case) and cut further into
runs of Latin letters/digits and runs of other word characters, so that PostgreSQL's parser and
SQLite's ``unicode61`` tokenizer both see exactly the same words. A query is segmented the same
way and matches a document holding every one of its words (AND).

- PostgreSQL (production and the tests): ``to_tsvector('simple', tokens)`` (what Django's
  ``SearchVector('tokens', config='simple')`` computes), kept in a stored generated column
  ``vector`` with a GIN index (migration 0004)
  matched by ``plainto_tsquery('simple', …)``, ranked in SQL by the BM25 formula FTS5 uses.
- SQLite (the demo): the FTS5 table ``library_fts``, kept in step with
  ``library_searchdocument`` by triggers (``SQLITE_FTS``), ranked by FTS5's ``bm25``.

So both rank alike (best first; equal scores by document id). ts_rank is not used: it is not
BM25, and the two databases would then order the same matches differently. (PostgreSQL keeps
at most 256 positions of a word in a document: a word repeated more often ranks a little lower
there.)
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


# Terms of procuratorial work jieba's general dictionary cuts apart (行政公益诉讼案 would give
# 诉讼案, not 公益诉讼): added with a high frequency so a document and a query agree.
DOMAIN_WORDS = [
    "公益诉讼",
    "检察机关",
    "检察院",
    "检察官",
    "检察建议",
    "检察长",
    "认罪认罚",
    "认罪认罚从宽",
    "从宽",
    "生态修复",
    "非法采砂",
    "虚假诉讼",
    "未成年人",
    "未成年人检察",
    "刑事检察",
    "民事检察",
    "行政检察",
    "法律监督",
    "诉前磋商",
    "磋商",
    "典型案例",
    "指导性案例",
    "优秀案例",
    "一院一品",
    "一院多品",
    "基层院",
    "基层检察院",
    "相对薄弱基层院",
    "司法救助",
    "支持起诉",
    "抗诉",
    "再审检察建议",
    "羁押必要性审查",
    "案件质量",
    "案-件比",
    "三年攻坚",
    "攻坚克难",
    "数字检察",
    "大数据法律监督",
    "检察听证",
    "枫桥经验",
    "河道",
    "耕地",
    "食品药品安全",
]


@cache
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    for word in DOMAIN_WORDS:
        jieba.add_word(word, freq=200000)
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


# The SQLite side (the demo database, and the comparison test's database). A migration that
# rebuilds library_searchdocument on SQLite (a new column does) drops these triggers with the old
# table: it must run SQLITE_FTS again (see migration 0005).
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
# The search documents' table alone, for a SQLite database outside Django (the comparison test,
# the benchmark): the columns ``search_sqlite`` reads.
SQLITE_DOCUMENTS = (
    "CREATE TABLE IF NOT EXISTS library_searchdocument (id INTEGER PRIMARY KEY, kind TEXT, "
    "object_id INTEGER, unit_id INTEGER, title TEXT, level TEXT, line TEXT, year INTEGER, "
    "visible_to_all INTEGER, tokens TEXT, words INTEGER)"
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


def _where(filters: Filters, params: list[Any]) -> list[str]:
    """The filters as SQL over ``d`` (library_searchdocument), with ``?`` placeholders."""
    where = []
    for column, value in (("level", filters.level), ("line", filters.line), ("kind", filters.kind)):
        if value:
            where.append(f"d.{column} = ?")
            params.append(value)
    if filters.year is not None:
        where.append("d.year = ?")
        params.append(filters.year)
    if filters.unit_ids is not None:
        where.append(_in("d.unit_id", filters.unit_ids, params))
    if filters.own_units is not None:
        own = _in("d.unit_id", filters.own_units, params)
        shared = _in("d.unit_id", filters.shared_units, params)
        where.append(f"({own} OR (d.visible_to_all AND {shared}))")
    return where


# BM25 as SQLite's FTS5 computes it (k1 = 1.2, b = 0.75; an idf at or below 0 becomes 1e-6), so
# PostgreSQL ranks exactly as the demo does. Scores are rounded to 9 places before ordering so
# that the two databases' summation order cannot swap two equal documents.
K1, B = 1.2, 0.75


def search_sqlite(
    cursor: Any, query: str, filters: Filters, *, limit: int = 50, placeholder: str = "?"
) -> list[Hit]:
    """The best ``limit`` documents for ``query`` on SQLite (FTS5 and its bm25)."""
    asked = query_words(query)
    if not asked:
        return []
    params: list[Any] = [" ".join(f'"{w}"' for w in asked)]
    where = ["library_fts MATCH ?", *_where(filters, params)]
    sql = (
        "SELECT d.id, -bm25(library_fts) AS score FROM library_fts "
        "JOIN library_searchdocument d ON d.id = library_fts.rowid "
        f"WHERE {' AND '.join(where)} ORDER BY round(bm25(library_fts), 9), d.id LIMIT ?"
    )
    params.append(limit)
    if placeholder != "?":
        sql = sql.replace("?", placeholder)
    cursor.execute(sql, params)
    return [Hit(int(doc_id), float(score)) for doc_id, score in cursor.fetchall()]


# PostgreSQL's stored tsvector of ``tokens`` (a generated column with the GIN index: migration
# 0004), what Django's SearchVector("tokens", config="simple") would compute.
VECTOR = "d.vector"


def search_postgres(
    query: str, filters: Filters, *, limit: int = 50, cursor: Any = None
) -> list[Hit]:
    """The best ``limit`` documents for ``query`` on PostgreSQL: ``to_tsvector('simple')``
    matched by ``plainto_tsquery('simple')`` (the GIN index), ranked by FTS5's BM25. On the
    default database, or on ``cursor`` (a psycopg cursor: the benchmark)."""
    if cursor is not None:
        return _search_postgres_on(cursor, query, filters, limit)
    from django.db import connection

    with connection.cursor() as django_cursor:
        return _search_postgres_on(django_cursor, query, filters, limit)


def _search_postgres_on(cursor: Any, query: str, filters: Filters, limit: int) -> list[Hit]:
    import math

    asked = query_words(query)
    if not asked:
        return []
    cursor.execute("SELECT count(*), coalesce(sum(words), 0) FROM library_searchdocument")
    total, length = cursor.fetchone()
    if not total:
        return []
    # Each word's document count in one pass over the GIN index (a bitmap OR), not one count
    # per word.
    counted = ", ".join(
        f"count(*) FILTER (WHERE {VECTOR} @@ plainto_tsquery('simple', %s))" for _ in asked
    )
    matches = " OR ".join(f"{VECTOR} @@ plainto_tsquery('simple', %s)" for _ in asked)
    cursor.execute(
        f"SELECT {counted} FROM library_searchdocument d WHERE {matches}", [*asked, *asked]
    )
    idfs = []
    for hits in cursor.fetchone():
        idf = math.log((total - hits + 0.5) / (hits + 0.5))
        idfs.append(idf if idf > 0 else 1e-6)
    params: list[Any] = [float(length) / total, asked, asked, idfs, " ".join(asked)]
    where = [f"{VECTOR} @@ plainto_tsquery('simple', ?)", *_where(filters, params)]
    params.append(limit)
    sql = (
        "SELECT id, score FROM (SELECT d.id, sum(w.idf * cardinality(u.positions) * "
        f"{K1 + 1} / (cardinality(u.positions) + {K1} * (1 - {B} + {B} * d.words / ?))) "
        "AS score FROM library_searchdocument d CROSS JOIN LATERAL "
        # Only the asked words' lexemes are unnested: marked with weight A, then kept by it (a
        # common word matches most documents, and unnesting each whole vector was the cost).
        f"unnest(ts_filter(setweight({VECTOR}, 'A', ?::text[]), '{{a}}')) u "
        "JOIN unnest(?::text[], ?::float8[]) AS w(word, idf) ON w.word = u.lexeme "
        f"WHERE {' AND '.join(where)} GROUP BY d.id) ranked "
        "ORDER BY round(score::numeric, 9) DESC, id LIMIT ?"
    )
    cursor.execute(sql.replace("?", "%s"), params)
    return [Hit(int(doc_id), float(score)) for doc_id, score in cursor.fetchall()]


def search(query: str, filters: Filters, *, limit: int = 50) -> list[Hit]:
    """Search on the default database, whichever it is."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return search_postgres(query, filters, limit=limit)
    with connection.cursor() as cursor:
        return search_sqlite(cursor, query, filters, limit=limit, placeholder="%s")
