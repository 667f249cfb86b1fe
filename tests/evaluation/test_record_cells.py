"""How a case record's values read on the element-records page."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils import translation

from grassroots.evaluation.trace_views import _cell


def test_a_flag_reads_as_yes_or_no_in_the_readers_language() -> None:
    with translation.override("zh-hans"):
        assert [_cell(True), _cell(np.bool_(False))] == ["是", "否"]
    with translation.override("en"):
        assert [_cell(np.bool_(True)), _cell(False)] == ["yes", "no"]


def test_other_values_are_unchanged() -> None:
    assert _cell(pd.Timestamp("2024-10-01")) == "2024-10-01"
    assert _cell(None) == ""
    assert _cell("approved") == "approved"
    assert _cell(3) == "3"


def test_a_category_value_reads_by_its_name_with_its_code_kept() -> None:
    from grassroots.evaluation.trace_views import _named

    with translation.override("zh-hans"):
        assert _named("arrest_decision", "approved") == ("批准逮捕", "approved")
        assert _named("event_type", "remand_first") == ("一次退回补充侦查", "remand_first")
        assert _named("outcome", "adopted") == ("采纳", "adopted")
    with translation.override("en"):
        assert _named("prosecution_decision", "not_prosecuted") == (
            "Not prosecuted",
            "not_prosecuted",
        )
    # Not a category column, an unnamed code, an empty cell: shown as they are, no title.
    assert _named("case_id", "approved") == ("approved", "")
    assert _named("arrest_decision", "something_else") == ("something_else", "")
    assert _named("arrest_decision", "") == ("", "")


def test_every_allowed_category_value_of_the_case_format_has_a_name() -> None:
    from grassroots.engine.caseformat import TABLES, value_name

    missing = [
        (c.name, v)
        for t in TABLES.values()
        for c in t.columns.values()
        if c.kind == "category"
        for v in c.values
        if value_name(c.name, v) is None
    ]
    assert missing == []
