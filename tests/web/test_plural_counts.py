"""Counts in English take the number of their count ("1 warning", "2 warnings"); the Chinese has
one form. Each message here once read "1 warnings" (or "1 rows", "1 units", "1 leads")."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from grassroots.intake.validation.views import checked_message
from grassroots.notifications import texts
from grassroots.notifications.services import _worded, count_ref
from grassroots.party.views import produced_message
from grassroots.problem_wording import _more


def _en(make) -> str:
    with translation.override("en"):
        return str(make())


def _zh(make) -> str:
    with translation.override("zh-hans"):
        return str(make())


def test_party_reports_produced_say_one_row_and_one_warning() -> None:
    assert _en(lambda: produced_message("2024-01", 1, 1)).endswith(
        "produced: 1 row, 1 warning sent."
    )
    assert _en(lambda: produced_message("2024-01", 2, 0)).endswith(
        "produced: 2 rows, 0 warnings sent."
    )
    assert _zh(lambda: produced_message("2024-01", 1, 1)).endswith("报告已生成：1条，发出预警1条。")


def test_checks_run_say_one_unit_and_one_finding() -> None:
    assert _en(lambda: checked_message(1, 1)) == "Checked 1 unit: 1 finding."
    assert _en(lambda: checked_message(3, 2)) == "Checked 3 units: 2 findings."
    assert _zh(lambda: checked_message(1, 1)) == "已检查1 个单位：1 条检查结果。"


def test_a_notification_of_one_warning_says_warning() -> None:
    one = count_ref(texts.WARNINGS_ONE, texts.WARNINGS_OTHER, 1)
    two = count_ref(texts.WARNINGS_ONE, texts.WARNINGS_OTHER, 2)
    assert (_en(lambda: _worded(one, {})), _en(lambda: _worded(two, {}))) == (
        "1 warning",
        "2 warnings",
    )
    assert _zh(lambda: _worded(one, {})) == "1条预警"


def test_one_more_row_of_problems() -> None:
    assert _en(lambda: _more(" (1 more rows)")) == "(1 more row)"  # as the engine writes it
    assert _en(lambda: _more(" (4 more rows)")) == "(4 more rows)"


@pytest.mark.parametrize(("running", "english"), [(1, "1 period running"), (2, "2 periods")])
def test_a_relapse_warning_counts_its_periods(running: int, english: str) -> None:
    status = SimpleNamespace(
        warning=SimpleNamespace(kind="bottom", period="2024Q4"),
        rule=SimpleNamespace(running=running),
        watched_periods=[],
    )
    html = _en(lambda: render_to_string("assistance/_relapse_status.html", {"status": status}))
    assert f"bottom tier {english}" in html


def test_supervision_runs_count_their_leads() -> None:
    from django.template import engines

    pages = Path(__file__).parents[2] / "grassroots/supervision/templates/supervision"
    for name in ("index.html", "model_version.html"):
        text = (pages / name).read_text()
        start = text.index("{% blocktranslate with new=r.new count found=r.found %}")
        snippet = text[start : text.index("{% endblocktranslate %}", start) + 23]
        template = engines["django"].from_string("{% load i18n %}" + snippet)
        one = {"r": SimpleNamespace(found=1, new=0)}
        assert _en(lambda t=template, c=one: t.render(c)) == "1 lead, 0 new"
        assert _zh(lambda t=template, c=one: t.render(c)) == "线索 1 条，其中新增 0 条"
