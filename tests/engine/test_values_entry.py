"""The engine takes values: a parsed scheme, a catalogue and frames in, the long form out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.errors import InputError
from grassroots.engine.pipeline import Source, evaluate_source, evaluate_values
from grassroots.engine.scheme import load_scheme

ELEMENTS = pd.DataFrame(
    [
        (unit, "2024Q1", element, value)
        for unit, (filed, concluded) in {
            "370102": (40.0, 30.0),
            "370103": (50.0, 45.0),
            "370202": (20.0, 10.0),
            "370203": (35.0, 30.0),
        }.items()
        for element, value in (
            ("plea_leniency_persons", concluded),
            ("review_concluded_persons", filed),
        )
    ],
    columns=["unit_code", "period", "element", "value"],
)
UNITS = pd.DataFrame(
    {
        "unit_code": ["370102", "370103", "370202", "370203"],
        "name": ["a", "b", "c", "d"],
        "peer_group": ["370100", "370100", "370200", "370200"],
    }
)
SCHEME_YAML = """\
name: plea-only
catalogue: spp-case-quality
tree:
  code: total
  children:
    - {indicator: plea_leniency_rate, direction: higher}
"""


def _scheme(tmp_path: Path) -> Path:
    path = tmp_path / "plea-only.yaml"
    path.write_text(SCHEME_YAML, encoding="utf-8")
    return path


def test_values_in_memory_give_the_same_result_as_the_same_values_in_files(
    tmp_path: Path,
) -> None:
    from grassroots.engine.scheme import read_scheme_file

    ELEMENTS.to_csv(tmp_path / "elements.csv", index=False)
    UNITS.to_csv(tmp_path / "units.csv", index=False)
    scheme_file = _scheme(tmp_path)
    from_files = evaluate_source(
        scheme=scheme_file,
        period="2024Q1",
        source=Source(elements=tmp_path / "elements.csv", units=tmp_path / "units.csv"),
    )
    from_values = evaluate_values(
        scheme=read_scheme_file(scheme_file),
        catalogue=load_catalogue("spp-case-quality"),
        period="2024Q1",
        units=UNITS,
        elements=pa.Table.from_pandas(ELEMENTS),
    )
    pd.testing.assert_frame_equal(from_values, from_files)
    assert from_values["score"].notna().any()


def test_a_values_frame_without_a_required_column_is_refused_by_name() -> None:
    with pytest.raises(InputError) as caught:
        evaluate_values(
            scheme=load_scheme("core-business"),
            catalogue=load_catalogue("spp-case-quality"),
            period="2024Q1",
            units=UNITS.drop(columns="peer_group"),
            elements=ELEMENTS,
        )
    assert "units: missing required column(s): peer_group" in str(caught.value.problems[0])


def test_a_value_that_is_not_a_number_is_refused_with_its_row() -> None:
    bad = ELEMENTS.astype({"value": object})
    bad.loc[2, "value"] = "many"
    with pytest.raises(InputError) as caught:
        evaluate_values(
            scheme=load_scheme("core-business"),
            catalogue=load_catalogue("spp-case-quality"),
            period="2024Q1",
            units=UNITS,
            elements=bad,
        )
    problem = caught.value.problems[0]
    assert (problem.source, problem.row, problem.column) == ("element values", 3, "value")


def test_element_values_without_a_catalogue_are_refused() -> None:
    with pytest.raises(InputError, match="catalogue"):
        evaluate_values(
            scheme=load_scheme("core-business"),
            catalogue=None,
            period="2024Q1",
            units=UNITS,
            elements=ELEMENTS,
        )
