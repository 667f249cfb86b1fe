"""Library search benchmark: 50,000 documents, 16 clients searching at once (issue 13.1).

    .venv/bin/python benchmarks/library.py                   # 50,000 documents, 16 clients
    .venv/bin/python benchmarks/library.py --docs 5000 --clients 4 --rounds 5   # a quick run
    .venv/bin/python benchmarks/library.py --no-postgres     # SQLite FTS5 only

Generates ``--docs`` documents once (titles, keywords and 要旨-like text drawn from the demo's
case topics and a vocabulary of procuratorial phrases, seed 7), segments them with the
library's own jieba words (``grassroots.library.search.tokens``) and keeps them in
``benchmarks/out/library-<docs>/`` (git-ignored). Then, for each database:

  sqlite     the demo's FTS5 table and triggers (``SQLITE_FTS``) in a file database, searched by
             ``search_sqlite``; each client has its own connection
  postgres   a scratch database on 127.0.0.1:5432 (``--dsn``) with the stored vector and GIN
             index of migration 0004, searched by ``search_postgres`` on a psycopg cursor per client

``--clients`` threads each run ``--rounds`` passes over the query list (common words, rare
words, two-word queries, with and without filters), timing every search; it prints the median,
p95 and the slowest search per database, the searches per second, and whether the two
databases returned the same ranked top 10 for every query (they should: both rank by BM25).
No absolute target is asserted; the figures are printed in one run.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grassroots.library.search import (  # noqa: E402
    SQLITE_DOCUMENTS,
    SQLITE_FTS,
    Filters,
    Hit,
    query_words,
    search_postgres,
    search_sqlite,
    tokens,
)
from grassroots.library.topics import TOPICS  # noqa: E402

STORED_VECTOR = (  # what migration 0004 does
    "ALTER TABLE library_searchdocument ADD COLUMN vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, COALESCE(tokens, ''))) STORED",
    "CREATE INDEX library_doc_vector_gin ON library_searchdocument USING gin (vector)",
)

PHRASES = (
    "检察机关依法履职", "推动系统治理", "制发检察建议", "开展类案监督", "召开公开听证",
    "促成矛盾化解", "追赃挽损", "诉前磋商", "跟进监督", "生态环境修复", "恢复性司法",
    "行刑反向衔接", "认罪认罚从宽", "羁押必要性审查", "数字检察", "大数据法律监督模型",
    "线索移送", "社会治理", "未成年人综合保护", "强制报告制度", "支持起诉", "司法救助",
    "食品药品安全", "安全生产", "营商环境", "知识产权保护", "枫桥经验", "基层院建设",
)  # fmt: skip
LEVELS = ("spp_guiding", "spp_typical", "provincial", "city", "")
QUERIES: list[tuple[str, Filters]] = [
    ("公益诉讼", Filters()),
    ("检察机关", Filters()),
    ("非法采砂", Filters()),
    ("生态修复", Filters(level="provincial")),
    ("认罪认罚 不起诉", Filters()),
    ("虚假诉讼", Filters(year=2024)),
    ("未成年人 网吧", Filters(line="minors")),
    ("电信网络诈骗", Filters()),
    ("检察建议", Filters(level="spp_typical", year=2023)),
    ("海洋生态", Filters()),
    ("行政争议 听证", Filters()),
    ("枫桥经验", Filters(line="criminal")),
]


def documents(count: int, folder: Path) -> list[dict[str, Any]]:
    """The generated documents (made once, then read back)."""
    path = folder / "documents.jsonl"
    if path.exists():
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    docs = []
    started = time.perf_counter()
    for n in range(count):
        title, line, keywords, gist = TOPICS[rng.randrange(len(TOPICS))]
        extra = "，".join(rng.sample(PHRASES, k=4))
        text = f"{gist}{extra}。"
        docs.append(
            {
                "id": n + 1,
                "kind": "case",
                "object_id": n + 1,
                "unit_id": 1 + rng.randrange(150),
                "title": title,
                "level": LEVELS[rng.randrange(len(LEVELS))],
                "line": line,
                "year": 2021 + rng.randrange(5),
                "visible_to_all": rng.random() < 0.6,
                "tokens": tokens([title, keywords, text]),
            }
        )
    for doc in docs:
        doc["words"] = len(doc["tokens"].split())
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs), encoding="utf-8")
    print(f"generated and segmented {count:,} documents in {time.perf_counter() - started:.1f} s")
    return docs


COLUMNS = ("id", "kind", "object_id", "unit_id", "title", "level", "line", "year",
           "visible_to_all", "tokens", "words")  # fmt: skip


def sqlite_database(docs: list[dict[str, Any]], folder: Path) -> Path:
    path = folder / "fts.sqlite3"
    if path.exists():
        return path
    db = sqlite3.connect(path)
    db.execute(SQLITE_DOCUMENTS)
    db.executemany(
        f"INSERT INTO library_searchdocument ({', '.join(COLUMNS)}) VALUES "
        f"({', '.join('?' for _ in COLUMNS)})",
        [[int(d[c]) if c == "visible_to_all" else d[c] for c in COLUMNS] for d in docs],
    )
    for sql in SQLITE_FTS:
        db.execute(sql)
    db.commit()
    db.close()
    return path


def postgres_database(docs: list[dict[str, Any]], dsn: str, name: str) -> str:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    target = f"{dsn} dbname={name}"
    with psycopg.connect(target) as con:
        con.execute(
            "CREATE TABLE library_searchdocument (id bigint PRIMARY KEY, kind text, "
            "object_id bigint, unit_id bigint, title text, level text, line text, year int, "
            "visible_to_all boolean, tokens text, words int)"
        )
        with con.cursor().copy(
            f"COPY library_searchdocument ({', '.join(COLUMNS)}) FROM STDIN"
        ) as copy:
            for d in docs:
                copy.write_row([d[c] for c in COLUMNS])
        for sql in STORED_VECTOR:
            con.execute(sql)
        con.execute("ANALYZE library_searchdocument")
    return target


def run_clients(
    clients: int, rounds: int, connect: Callable[[], Any], search: Callable[..., list[Hit]]
) -> tuple[list[float], float, dict[int, list[int]]]:
    """Every search's seconds, the wall time, and each query's top 10 (from client 0)."""
    timings: list[list[float]] = [[] for _ in range(clients)]
    tops: dict[int, list[int]] = {}
    barrier = threading.Barrier(clients)

    def client(number: int) -> None:
        con = connect()
        cursor = con.cursor()
        order = list(range(len(QUERIES)))
        random.Random(number).shuffle(order)
        barrier.wait()
        for _ in range(rounds):
            for q in order:
                query, filters = QUERIES[q]
                started = time.perf_counter()
                hits = search(cursor, query, filters)
                timings[number].append(time.perf_counter() - started)
                if number == 0:
                    tops[q] = [h.doc_id for h in hits[:10]]
        con.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [s for row in timings for s in row], time.perf_counter() - started, tops


def report(name: str, seconds: list[float], wall: float) -> None:
    ordered = sorted(seconds)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    print(
        f"{name:9} searches {len(ordered):5}  median {statistics.median(ordered) * 1000:7.1f} ms"
        f"  p95 {p95 * 1000:7.1f} ms  slowest {ordered[-1] * 1000:7.1f} ms"
        f"  {len(ordered) / wall:6.1f} searches/s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dsn", default="host=127.0.0.1 port=5432 user=postgres")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    folder = ROOT / "benchmarks" / "out" / f"library-{args.docs}"
    docs = documents(args.docs, folder)
    print(f"{len(docs):,} documents, {args.clients} clients, {len(QUERIES)} queries x "
          f"{args.rounds} rounds each")  # fmt: skip
    fts = sqlite_database(docs, folder)
    query_words("预热")  # jieba loads its dictionary once, before the clock starts

    def sqlite_connect() -> sqlite3.Connection:
        return sqlite3.connect(fts, check_same_thread=False)

    seconds, wall, sqlite_tops = run_clients(
        args.clients, args.rounds, sqlite_connect, lambda c, q, f: search_sqlite(c, q, f)
    )
    report("sqlite", seconds, wall)
    if args.no_postgres:
        return 0
    import psycopg

    target = postgres_database(docs, args.dsn, "grassroots_bench_library")
    seconds, wall, pg_tops = run_clients(
        args.clients,
        args.rounds,
        lambda: psycopg.connect(target, autocommit=True),
        lambda c, q, f: search_postgres(q, f, cursor=c),
    )
    report("postgres", seconds, wall)
    same = sum(sqlite_tops[q] == pg_tops[q] for q in sqlite_tops)
    print(f"same ranked top 10 on both databases: {same} of {len(sqlite_tops)} queries")
    with psycopg.connect(args.dsn, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS grassroots_bench_library")
    return 0 if same == len(sqlite_tops) else 1


if __name__ == "__main__":
    raise SystemExit(main())
