"""Chinese full-text search: jieba words, ranked results, filters, the viewer's scope, and the
same results on PostgreSQL (the tests' database) and SQLite FTS5 (the demo's)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from grassroots.library import services
from grassroots.library.models import SearchDocument
from grassroots.library.search import (
    SQLITE_DOCUMENTS,
    SQLITE_FTS,
    Filters,
    query_words,
    search,
    search_postgres,
    search_sqlite,
)

CORPUS = [
    # (unit, title, gist, line, level, date)
    ("370102", "督促整治非法采砂行政公益诉讼案", "检察机关通过诉前磋商推动河道生态修复，非法采砂得到根治。",
     "public_interest", "spp_typical", dt.date(2024, 6, 1)),
    ("370102", "王某盗窃案", "对轻微盗窃犯罪依法适用认罪认罚从宽制度，促进社会治理。",
     "criminal", "provincial", dt.date(2025, 2, 1)),
    ("370103", "督促保护耕地行政公益诉讼案", "检察机关督促自然资源部门依法履职，保护耕地。",
     "public_interest", "provincial", dt.date(2025, 3, 1)),
    ("370103", "未成年人网络保护案", "检察机关推动网吧整治，保护未成年人身心健康。",
     "minors", "city", dt.date(2025, 1, 9)),
    ("370202", "海洋生态环境民事公益诉讼案", "非法捕捞破坏海洋生态，检察机关提起民事公益诉讼，索赔生态修复费用。",
     "public_interest", "spp_guiding", dt.date(2023, 11, 5)),
    ("370202", "虚假诉讼民事监督案", "检察机关发现虚假诉讼线索，提出再审检察建议。",
     "civil", "provincial", dt.date(2024, 8, 8)),
]  # fmt: skip
QUERIES = [
    "公益诉讼",
    "生态修复",
    "非法采砂",
    "检察机关",
    "保护",
    "虚假诉讼的线索",
    "盗窃 认罪认罚",
    "海洋",
    "不存在的词语",
]


@pytest.fixture
def corpus(
    province: dict[str, Any], admin: Any, make_final_case: Callable[..., Any]
) -> dict[str, int]:
    made = {}
    for unit, title, gist, line, level, on in CORPUS:
        case = make_final_case(
            unit_code=unit, title=title, gist=gist, line=line, entries=[("评选", level, on)]
        )
        made[title] = SearchDocument.objects.get(kind="case", object_id=case.pk).pk
    column = services.save_column(actor=admin, province=province["370000"], name_zh="三年攻坚")
    article = services.save_article(
        actor=admin,
        unit=province["370103"],
        column=column,
        fields={"title": "以公益诉讼护航生态文明", "body": "<p>生态修复的三项做法</p>"},
    )
    made[article.title] = SearchDocument.objects.get(kind="article").pk
    return made


def _sqlite_copy() -> sqlite3.Connection:
    """A SQLite database holding the same search documents, indexed by the demo's FTS5 SQL."""
    db = sqlite3.connect(":memory:")
    db.execute(SQLITE_DOCUMENTS)
    columns = ["id", "kind", "object_id", "unit_id", "title", "level", "line", "year"]
    for doc in SearchDocument.objects.order_by("id"):
        values = [getattr(doc, c) for c in columns]
        values += [int(doc.visible_to_all), doc.tokens, doc.words]
        db.execute(
            "INSERT INTO library_searchdocument VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values
        )
    for sql in SQLITE_FTS:
        db.execute(sql)
    return db


def test_jieba_cuts_chinese_into_words() -> None:
    assert query_words("虚假诉讼的线索") == ["虚假", "诉讼", "虚假诉讼", "线索"]  # not 的
    assert "公益诉讼" in query_words("行政公益诉讼案")
    assert query_words("ＡＢＣ２０２５年") == ["abc2025", "年"]


def test_the_same_results_on_postgresql_and_sqlite(
    corpus: dict[str, int], province: dict[str, Any]
) -> None:
    db = _sqlite_copy()
    filters = [
        Filters(),
        Filters(level="provincial"),
        Filters(line="public_interest"),
        Filters(year=2025),
        Filters(unit_ids=[province["370102"].pk, province["370202"].pk]),
        Filters(own_units=[province["370103"].pk], shared_units=[]),
    ]
    compared = 0
    for query in QUERIES:
        for f in filters:
            on_pg = [h.doc_id for h in search_postgres(query, f)]
            on_sqlite = [h.doc_id for h in search_sqlite(db.cursor(), query, f)]
            assert on_pg == on_sqlite, (query, f)
            compared += len(on_pg)
    assert compared > 20  # the comparison saw results, not only empty lists
    assert [h.doc_id for h in search_postgres("不存在的词语", Filters())] == []


def test_results_are_ranked_and_filtered(corpus: dict[str, int], province: dict[str, Any]) -> None:
    sand = [h.doc_id for h in search("非法采砂", Filters())]
    assert sand == [corpus["督促整治非法采砂行政公益诉讼案"]]
    # The article names 公益诉讼 and 生态 in its title: it ranks before a case naming them once.
    ranked = search("公益诉讼 生态", Filters())
    assert ranked[0].rank >= ranked[-1].rank
    assert {h.doc_id for h in ranked} == {
        corpus["督促整治非法采砂行政公益诉讼案"],
        corpus["海洋生态环境民事公益诉讼案"],
        corpus["以公益诉讼护航生态文明"],
    }
    provincial = {h.doc_id for h in search("检察机关", Filters(level="provincial"))}
    assert provincial == {corpus["督促保护耕地行政公益诉讼案"], corpus["虚假诉讼民事监督案"]}
    in_2025 = {h.doc_id for h in search("保护", Filters(year=2025))}
    assert in_2025 == {corpus["督促保护耕地行政公益诉讼案"], corpus["未成年人网络保护案"]}


SQLITE_DEMO = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from grassroots.library import services
from grassroots.library.search import Filters, search
from grassroots.organisations.services import load_units
from grassroots.organisations.unitfile import UnitRow
load_units(rows=[UnitRow("370000", "山东省人民检察院", "province", None),
                 UnitRow("370102", "历下区人民检察院", "grassroots", "370000")],
           actor=None, reason="test")
from grassroots.organisations.models import Unit
from django.contrib.auth import get_user_model
from grassroots.organisations.models import Role
from grassroots.organisations.services import add_member
admin = get_user_model().objects.create_user(username="a", password="pw-for-tests-only")
add_member(user=admin, unit=Unit.objects.get(code="370000"), role=Role.PROVINCE_ADMIN, actor=None)
case = services.save_case(actor=admin, unit=Unit.objects.get(code="370102"),
    fields={"title": "督促整治非法采砂行政公益诉讼案", "kind": "typical",
            "business_line": "public_interest", "gist": "检察机关通过诉前磋商推动治理。"})
services.save_case(actor=admin, unit=Unit.objects.get(code="370102"), case=case,
    fields={"title": "督促整治非法采砂行政公益诉讼案", "kind": "typical",
            "business_line": "public_interest", "gist": "检察机关通过诉前磋商推动河道治理。"})
print([h.doc_id for h in search("诉前磋商", Filters())], [h.doc_id for h in search("河道", Filters())])
"""


def test_the_demo_database_searches_after_every_migration(tmp_path: Any) -> None:
    """On a SQLite database migrated from scratch (as ``grassroots demo`` does), a saved and
    then changed case is found by a word of its 要旨: the FTS5 triggers survive the migrations
    that rebuild the documents' table."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "grassroots.web.settings",
        "GRASSROOTS_DATA_DIR": str(tmp_path),
        "GRASSROOTS_DEBUG": "true",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", SQLITE_DEMO], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[1] [1]"
