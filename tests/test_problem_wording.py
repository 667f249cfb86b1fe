"""The engine's input problems reach users in their language (issues 18.1, 19.7).

Every problem here is produced by the engine's own readers from bad files, so a new engine
message shape without a wording in ``grassroots/problem_wording.py`` fails this test."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from django.utils import translation

from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.errors import InputError, Problem
from grassroots.engine.inputs import Field, open_raw, read_element_values, validate
from grassroots.problem_wording import located, message_in_language

CJK = re.compile(r"[\u4e00-\u9fff]")
# English words the engine writes; none may survive on a Chinese page (values may be anything).
ENGLISH = re.compile(r"\b(is not|unknown|missing|duplicate|expected|below|above|more rows)\b")

FIELDS = [
    Field("unit_code", "string", True),
    Field("decided", "date", False),
    Field("people", "int", False, non_negative=True),
    Field("amount", "number", False),
    Field("detained", "bool", False),
    Field("period", "period", False),
    Field("outcome", "category", False, values=("approved", "not_approved")),
]


def _problems(tmp_path: Path, text: str, fields=FIELDS, **kw) -> list[Problem]:
    path = tmp_path / "persons.csv"
    path.write_text(text, encoding="utf-8")
    with duckdb.connect() as con:
        raw = open_raw(con, path, "raw")
        return validate(con, raw, fields, **kw)


def _engine_problems(tmp_path: Path) -> list[Problem]:
    rows = (
        "unit_code,decided,people,amount,detained,period,outcome\n"
        "370102,2024-13-40,1150件,abc,maybe,2024Q5,granted\n"
        "370102,2024-01-02,-3,1.5,是,2024Q4,approved\n"
        ",2024-01-02,3,1.5,是,2024Q4,approved\n"
        "370102,2024-01-02,3,1.5,是,2024Q4,approved\n"
        "999999,2024-01-02,3,1.5,是,2024Q4,approved\n"
        "999999,2024-01-02,3,1.5,是,2024Q4,approved\n"
    )
    found = _problems(
        tmp_path,
        rows,
        key=("unit_code", "decided", "people"),
        members=[("unit_code", {"370102", "370103"}, "unit code")],
    )
    found += _problems(tmp_path, "unit_codex,decided\n370102,2024-01-02\n")
    bad = tmp_path / "values.csv"
    bad.write_text(
        "unit_code,period,element,value\n370102,2024Q4,arrest_review_cases,-5\n"
        "370102,2024Q4,no_such_element,1\n",
        encoding="utf-8",
    )
    for path in (bad, tmp_path / "absent.csv", tmp_path / "fake.parquet"):
        if path.suffix == ".parquet":
            path.write_bytes(b"PAR1 not really")
        try:
            read_element_values(path, catalogue=load_catalogue("spp-case-quality"))
        except InputError as exc:
            found += exc.problems
    return found


def test_every_engine_problem_is_said_in_chinese(tmp_path) -> None:
    problems = _engine_problems(tmp_path)
    shapes = {re.sub(r"'[^']*'|-?\d[\d.]*", "…", p.message) for p in problems}
    assert len(shapes) >= 12, shapes  # the file above really hits that many kinds of problem
    with translation.override("zh-hans"):
        for p in problems:
            said = message_in_language(p.message)
            assert said != p.message, p.message
            assert CJK.search(said), said
            assert not ENGLISH.search(said), said
        text = located(problems[0])
    assert text.startswith("文件 persons.csv 第 2 行")
    assert "列：" in text


def test_values_and_hints_survive_the_wording(tmp_path) -> None:
    problems = _engine_problems(tmp_path)
    with translation.override("zh-hans"):
        said = [message_in_language(p.message) for p in problems]
    assert "“1150件”不是整数" in said
    assert any("“2024-13-40”不是日期" in s for s in said)
    assert any(s.startswith("未知的列“unit_codex”") and "unit_code" in s for s in said)
    assert any("未知的单位代码“999999”" in s and "另有 1 行" in s for s in said)
    assert any("重复" in s and "首次出现在第 6 行" in s for s in said)


def test_english_pages_keep_english(tmp_path) -> None:
    problems = _engine_problems(tmp_path)
    with translation.override("en"):
        said = {message_in_language(p.message) for p in problems}
    assert "“1150件” is not a whole number" in said
    assert not any(CJK.search(s) and "件" not in s and "是" not in s for s in said)


@pytest.mark.parametrize("text", ["something the engine never says", ""])
def test_an_unknown_shape_is_shown_as_written(text) -> None:
    with translation.override("zh-hans"):
        assert message_in_language(text) == text
