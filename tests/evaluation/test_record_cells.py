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
