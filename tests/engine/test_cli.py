"""``grassroots evaluate`` and ``grassroots catalogue`` end to end, through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from grassroots.cli import main
from grassroots.engine.outputs import RESULT_COLUMNS

CITY_A = ("370102", "370103", "370104")
CITY_B = ("370202", "370203", "370211")


# ---------------------------------------------------------------------------- small inputs


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _cepej_elements(tmp_path: Path, *, period: str = "2024Q4") -> Path:
    """Reported CEPEJ flows for six units in two cities; unit i clears more work as i grows."""
    lines = ["unit_code,period,element,value"]
    for i, code in enumerate(CITY_A + CITY_B):
        lines += [
            f"{code},{period},incoming,{100 + i}",
            f"{code},{period},resolved,{80 + 5 * i}",
            f"{code},{period},pending_end,{60 - 4 * i}",
        ]
    return _write(tmp_path / "elements.csv", "\n".join(lines) + "\n")


def _persons_csv(folder: Path, rows: list[str]) -> None:
    header = (
        "unit_code,case_id,person_id,arrest_decision,arrest_decision_date,"
        "prosecution_decision,review_concluded_date,plea_leniency"
    )
    folder.mkdir(exist_ok=True)
    _write(folder / "persons.csv", "\n".join([header, *rows]) + "\n")


def _cases(tmp_path: Path, *, units_csv: bool = True) -> Path:
    """Persons of six units; unit i applies plea leniency to i of its 6 persons."""
    folder = tmp_path / "cases"
    rows = []
    for i, code in enumerate(CITY_A + CITY_B):
        for p in range(6):
            plea = "true" if p < i else "false"
            decision = "not_prosecuted" if p == 5 else "prosecuted"
            rows.append(f"{code},c{code}{p},1,approved,2024-09-01,{decision},2024-11-05,{plea}")
    _persons_csv(folder, rows)
    if units_csv:
        _write(
            folder / "units.csv",
            "unit_code,name,peer_group\n"
            + "".join(f"{c},unit {c},{c[:4]}00\n" for c in CITY_A + CITY_B),
        )
    return folder


SPP_SCHEME = """\
name: plea-test
title_en: Plea test
catalogue: spp-case-quality
peer_min_size: 3  # the test's cities have three units each: rank within them
defaults:
  normalisation: {method: minmax, within: peer}
tree:
  code: total
  name_en: Total
  children:
    - code: quality
      name_en: Quality
      children:
        - {indicator: plea_leniency_rate, direction: higher}
        - {indicator: post_arrest_non_prosecution_rate, direction: lower}
"""

FREE_SCHEME = """\
name: wellbeing
title_en: Any composite index
tree:
  code: index
  name_en: Index
  children:
    - {indicator: income, direction: higher, weight: 2}
    - {indicator: crime, direction: lower, weight: 1}
"""


def _free_inputs(tmp_path: Path) -> tuple[Path, Path, Path]:
    scheme = _write(tmp_path / "wellbeing.yaml", FREE_SCHEME)
    units = _write(
        tmp_path / "regions.csv",
        "unit_code,name,peer_group\nN1,North,all\nS1,South,all\nE1,East,all\nW1,West,all\n",
    )
    values = _write(
        tmp_path / "values.csv",
        "unit_code,period,indicator,value\n"
        "N1,2024,income,10\nN1,2024,crime,5\n"
        "S1,2024,income,20\nS1,2024,crime,5\n"
        "E1,2024,income,30\nE1,2024,crime,1\n"
        "W1,2024,income,40\nW1,2024,crime,9\n",
    )
    return scheme, units, values


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ---------------------------------------------------------------------------- evaluate: outputs


def test_it_evaluates_element_values_into_the_contract_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "result.csv"
    args = ["evaluate", "--scheme", "cepej", "--period", "2024Q4"]
    code, _, err = _run(
        [*args, "--elements", str(_cepej_elements(tmp_path)), "--out", str(out)], capsys
    )
    assert code == 0, err
    result = pd.read_csv(out, dtype={"unit_code": str})
    assert tuple(result.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    # One row per unit and node: three indicators and the root.
    assert len(result) == 6 * 4
    assert set(result["node"]) == {"cepej", "clearance_rate", "disposition_time", "case_turnover"}
    clearance = result[result["node"] == "clearance_rate"].set_index("unit_code")["value"]
    assert clearance["370102"] == pytest.approx(80 / 100 * 100)


def test_units_default_to_city_peer_groups_when_not_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "result.csv"
    elements = _cepej_elements(tmp_path)
    code, _, err = _run(
        ["evaluate", "--scheme", "cepej", "--period", "2024Q4", "--elements", str(elements),
         "--out", str(out)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    root = pd.read_csv(out, dtype={"unit_code": str}).query("node == 'cepej'")
    # Each unit's peer group is its city (370100, 370200). Three units are fewer than the
    # shipped scheme's peer_min_size, so they are ranked within the province (1..6).
    city = root["unit_code"].str[:4] + "00"
    said = [w.split(" has only")[0] for w in root["why"]]
    assert said == [f"peer group {c}" for c in city]
    assert sorted(root["rank_peer"]) == [1, 2, 3, 4, 5, 6]


def test_it_evaluates_case_records_with_the_units_file_beside_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scheme = _write(tmp_path / "plea.yaml", SPP_SCHEME)
    out = tmp_path / "result.json"
    code, _, err = _run(
        ["evaluate", "--scheme", str(scheme), "--period", "2024Q4",
         "--cases", str(_cases(tmp_path)), "--out", str(out)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    rows = json.loads(out.read_text(encoding="utf-8"))
    plea = {r["unit_code"]: r["value"] for r in rows if r["node"] == "plea_leniency_rate"}
    # Unit i applied plea leniency to i of 6 concluded persons.
    assert plea["370102"] == pytest.approx(0.0)
    assert plea["370211"] == pytest.approx(5 / 6 * 100)
    total = {r["unit_code"]: r["rank_peer"] for r in rows if r["node"] == "total"}
    assert total["370104"] == 1
    assert total["370211"] == 1


def test_it_scores_any_composite_index_from_indicator_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scheme, units, values = _free_inputs(tmp_path)
    out = tmp_path / "index.parquet"
    code, _, err = _run(
        ["evaluate", "--scheme", str(scheme), "--period", "2024", "--indicators", str(values),
         "--units", str(units), "--out", str(out)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    result = pd.read_parquet(out)
    ranks = result[result["node"] == "index"].set_index("unit_code")["rank_all"]
    # East has high income and the least crime; North the lowest income.
    assert ranks["E1"] == 1
    assert ranks["N1"] == 4


def test_sensitivity_fills_rank_intervals_reproducibly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elements = _cepej_elements(tmp_path)
    outs = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for out in outs:
        code, _, err = _run(
            ["evaluate", "--scheme", "cepej", "--period", "2024Q4", "--elements", str(elements),
             "--sensitivity", "50", "--seed", "7", "--out", str(out)],
            capsys,
        )  # fmt: skip
        assert code == 0, err
    first, second = (pd.read_csv(o, dtype={"unit_code": str}) for o in outs)
    root = first[first["node"] == "cepej"]
    assert root[["rank_q05", "rank_median", "rank_q95"]].notna().all().all()
    assert (root["rank_q05"] <= root["rank_median"]).all()
    assert (root["rank_median"] <= root["rank_q95"]).all()
    pd.testing.assert_frame_equal(first, second)


def test_xlsx_output_has_coloured_colour_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "result.xlsx"
    code, _, err = _run(
        ["evaluate", "--scheme", "cepej", "--period", "2024Q4",
         "--elements", str(_cepej_elements(tmp_path)), "--out", str(out)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    ws = load_workbook(out).active
    header = [c.value for c in ws[1]]
    col = header.index("colour") + 1
    cells = [ws.cell(row=r, column=col) for r in range(2, ws.max_row + 1)]
    coloured = [c for c in cells if c.value in ("red", "green", "yellow")]
    assert coloured
    assert all(c.fill.fill_type == "solid" for c in coloured)
    assert ws.freeze_panes == "B2"


# ---------------------------------------------------------------------------- evaluate: bad input


def _assert_rejected(
    args: list[str], out: Path, capsys: pytest.CaptureFixture[str], *expected: str
) -> list[str]:
    code, _, err = _run([*args, "--out", str(out)], capsys)
    assert code == 2
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}*"))  # no temporary file left either
    for text in expected:
        assert text in err, err
    return err.strip().splitlines()


def test_it_lists_every_bad_value_with_file_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cases"
    _persons_csv(
        folder,
        [
            "370102,c1,1,approved,2024-09-01,prosecuted,2024-13-45,true",
            "370102,c2,1,approved,yesterday,prosecuted,2024-11-05,true",
            "370102,c2,1,approved,2024-09-01,prosecuted,2024-11-05,maybe",
        ],
    )
    scheme = _write(tmp_path / "plea.yaml", SPP_SCHEME)
    lines = _assert_rejected(
        ["evaluate", "--scheme", str(scheme), "--period", "2024Q4", "--cases", str(folder)],
        tmp_path / "r.csv",
        capsys,
        "persons.csv row 2, column review_concluded_date: '2024-13-45'",
        "persons.csv row 3, column arrest_decision_date: 'yesterday'",
        "persons.csv row 4, column plea_leniency: 'maybe'",
        "persons.csv row 4, column person_id: duplicate key",
    )
    assert lines[-1].startswith("4 problem(s)")


def test_it_rejects_unknown_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    _write(
        folder / "persons.csv",
        "unit_code,case_id,person_id,plea_lenency\n370102,c1,1,true\n",
    )
    _assert_rejected(
        ["evaluate", "--scheme", _write(tmp_path / "s.yaml", SPP_SCHEME).as_posix(),
         "--period", "2024Q4", "--cases", str(folder)],
        tmp_path / "r.csv",
        capsys,
        "persons.csv row 1, column plea_lenency: unknown column 'plea_lenency'",
    )  # fmt: skip


def test_it_rejects_unit_codes_missing_from_the_units_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _cases(tmp_path)
    _write(folder / "units.csv", "unit_code,name,peer_group\n370102,A,370100\n")
    _assert_rejected(
        ["evaluate", "--scheme", _write(tmp_path / "s.yaml", SPP_SCHEME).as_posix(),
         "--period", "2024Q4", "--cases", str(folder)],
        tmp_path / "r.csv",
        capsys,
        "column unit_code: unknown unit code '370103'",
        "unknown unit code '370211'",
    )  # fmt: skip


def test_it_rejects_negative_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elements = _cepej_elements(tmp_path)
    text = elements.read_text(encoding="utf-8").replace(
        "370103,2024Q4,resolved,85", "370103,2024Q4,resolved,-85"
    )
    _write(elements, text)
    _assert_rejected(
        ["evaluate", "--scheme", "cepej", "--period", "2024Q4", "--elements", str(elements)],
        tmp_path / "r.csv",
        capsys,
        "elements.csv row 6, column value:",
    )


def test_it_rejects_a_numerator_larger_than_its_denominator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elements = _write(
        tmp_path / "elements.csv",
        "unit_code,period,element,value\n"
        "370102,2024Q4,post_arrest_not_prosecuted_persons,5\n"
        "370102,2024Q4,post_arrest_concluded_persons,3\n",
    )
    scheme = _write(tmp_path / "s.yaml", SPP_SCHEME)
    _assert_rejected(
        ["evaluate", "--scheme", str(scheme), "--period", "2024Q4", "--elements", str(elements)],
        tmp_path / "r.csv",
        capsys,
        "post_arrest_non_prosecution_rate",
        "370102",
    )


def test_it_rejects_a_typo_in_a_catalogue_expression(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalogue = (
        Path(__file__).resolve().parents[2] / "grassroots/engine/catalogues/cepej.yaml"
    ).read_text(encoding="utf-8")
    bad = _write(
        tmp_path / "mycat.yaml", catalogue.replace("numerator: resolved", "numerator: resolvd", 1)
    )
    assert "resolvd" in bad.read_text(encoding="utf-8")
    # A scheme names catalogues by registered name only; an operator's own file is checked here.
    code, _, err = _run(["catalogue", "check", str(bad)], capsys)
    assert code == 2
    assert "mycat.yaml: indicators[" in err
    assert "numerator" in err
    assert "did you mean 'resolved'" in err


def test_it_rejects_a_scheme_leaf_naming_an_unknown_indicator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scheme = _write(tmp_path / "s.yaml", SPP_SCHEME.replace("plea_leniency_rate", "plea_rate"))
    _assert_rejected(
        [
            "evaluate",
            "--scheme",
            str(scheme),
            "--period",
            "2024Q4",
            "--cases",
            str(_cases(tmp_path)),
        ],
        tmp_path / "r.csv",
        capsys,
        "s.yaml: tree.quality.plea_rate",
        "unknown indicator 'plea_rate'",
    )


def test_it_rejects_zero_sum_weights(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scheme, units, values = _free_inputs(tmp_path)
    _write(scheme, FREE_SCHEME.replace("weight: 2", "weight: 0").replace("weight: 1", "weight: 0"))
    _assert_rejected(
        ["evaluate", "--scheme", str(scheme), "--period", "2024", "--indicators", str(values),
         "--units", str(units)],
        tmp_path / "r.csv",
        capsys,
        "wellbeing.yaml: tree",
        "weights sum to zero",
    )  # fmt: skip


def test_it_rejects_a_cycle_in_a_scheme(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # YAML anchors can make a node its own descendant; that must be an error, not a hang.
    scheme, units, values = _free_inputs(tmp_path)
    _write(
        scheme,
        "name: loop\ntree: &root\n  code: index\n  children:\n"
        "    - {indicator: income}\n    - *root\n",
    )
    lines = _assert_rejected(
        ["evaluate", "--scheme", str(scheme), "--period", "2024", "--indicators", str(values),
         "--units", str(units)],
        tmp_path / "r.csv",
        capsys,
        "wellbeing.yaml",
    )  # fmt: skip
    assert any("cycle" in line for line in lines), lines


def test_it_rejects_a_malformed_period(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _assert_rejected(
        ["evaluate", "--scheme", "cepej", "--period", "2024Q5",
         "--elements", str(_cepej_elements(tmp_path))],
        tmp_path / "r.csv",
        capsys,
        "--period: '2024Q5' is not a period",
    )  # fmt: skip


def test_it_reports_problems_of_several_inputs_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scheme, units, values = _free_inputs(tmp_path)
    _write(units, "unit_code,name,peer_group\nN1,North,all\nN1,North again,all\n")
    lines = _assert_rejected(
        ["evaluate", "--scheme", str(scheme), "--period", "2024-13", "--indicators", str(values),
         "--units", str(units)],
        tmp_path / "r.csv",
        capsys,
        "--period",
        "regions.csv row 3, column unit_code: duplicate key",
    )  # fmt: skip
    assert lines[-1].startswith("2 problem(s)")


def test_a_failed_run_keeps_an_existing_output_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _write(tmp_path / "r.csv", "previous result\n")
    code, _, _ = _run(
        ["evaluate", "--scheme", "cepej", "--period", "bad",
         "--elements", str(_cepej_elements(tmp_path)), "--out", str(out)],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert out.read_text(encoding="utf-8") == "previous result\n"


def test_indicators_need_a_units_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, values = _free_inputs(tmp_path)
    code, _, err = _run(
        ["evaluate", "--scheme", "cepej", "--period", "2024", "--indicators", str(values),
         "--out", str(tmp_path / "r.csv")],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert "--units" in err
    assert not (tmp_path / "r.csv").exists()


# ---------------------------------------------------------------------------- catalogue


def test_catalogue_list_names_shipped_catalogues_and_schemes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(["catalogue", "list"], capsys)
    assert code == 0
    catalogues, schemes = out.split("Schemes:")
    assert "spp-case-quality" in catalogues
    assert "cepej" in catalogues
    assert "cepej" in schemes
    assert "scores catalogue cepej" in schemes


def test_catalogue_show_gives_names_in_both_languages_and_formulas(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(["catalogue", "show", "spp-case-quality"], capsys)
    assert code == 0
    assert "remand_rate  退回补充侦查率 / " in out
    assert "= (remanded_cases) / (prosecution_review_concluded_cases) × 100" in out
    assert "arrest_review_cases  审查逮捕案件数 / Arrest-review cases" in out


def test_catalogue_check_says_ok_for_a_good_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scheme = _write(tmp_path / "s.yaml", SPP_SCHEME)
    code, out, _ = _run(["catalogue", "check", str(scheme)], capsys)
    assert code == 0
    assert out.startswith("OK")


def test_catalogue_check_lists_every_problem_of_a_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = Path(__file__).resolve().parents[2] / "grassroots/engine/catalogues/cepej.yaml"
    text = shipped.read_text(encoding="utf-8")
    bad = text.replace("numerator: resolved", "numerator: resolvd", 1).replace(
        "365 * pending_end", "365 * pending", 1
    )
    assert bad.count("resolvd") == 1
    path = _write(tmp_path / "bad.yaml", bad)
    code, _, err = _run(["catalogue", "check", str(path)], capsys)
    assert code == 2
    assert "resolvd" in err
    assert "'pending'" in err
    assert err.strip().splitlines()[-1].startswith("2 problem(s)")


def test_catalogue_check_reports_a_scheme_with_an_unknown_indicator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "s.yaml", SPP_SCHEME.replace("plea_leniency_rate", "plea_rate"))
    code, _, err = _run(["catalogue", "check", str(path)], capsys)
    assert code == 2
    assert "s.yaml: tree.quality.plea_rate" in err


# ---------------------------------------------------------------------------- no database


def test_engine_commands_need_no_database_and_import_no_django(tmp_path: Path) -> None:
    elements = _cepej_elements(tmp_path)
    out = tmp_path / "r.csv"
    code = (
        "import sys\n"
        "from grassroots.cli import main\n"
        f"assert main(['catalogue', 'list']) == 0\n"
        f"assert main(['catalogue', 'show', 'cepej']) == 0\n"
        f"assert main(['evaluate', '--scheme', 'cepej', '--period', '2024Q4', "
        f"'--elements', {str(elements)!r}, '--out', {str(out)!r}]) == 0\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print('DJANGO', bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://nobody:wrong@127.0.0.1:1/nowhere",
        "DJANGO_SETTINGS_MODULE": "grassroots.web.settings",
    }
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "DJANGO []" in proc.stdout
    assert out.exists()


def test_it_lists_every_problem_of_an_elements_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elements = _write(
        tmp_path / "elements.csv",
        "unit_code,period,element,value\n"
        "370102,2024Q4,incoming,10\n"
        "370102,2024Q9,resolved,8\n"
        "370102,2024Q4,incomming,3\n"
        "370102,2024Q4,incoming,11\n",
    )
    lines = _assert_rejected(
        ["evaluate", "--scheme", "cepej", "--period", "2024Q4", "--elements", str(elements)],
        tmp_path / "r.csv",
        capsys,
        "elements.csv row 3, column period: '2024Q9' is not a period",
        "elements.csv row 4, column element: unknown element 'incomming'",
        "elements.csv row 5, column element: duplicate key",
    )
    assert lines[-1].startswith("3 problem(s)")


def test_it_rejects_an_unknown_output_format_before_reading_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.txt"
    code, _, err = _run(
        ["evaluate", "--scheme", "cepej", "--period", "2024Q4",
         "--elements", str(_cepej_elements(tmp_path)), "--out", str(out)],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert "unknown output format '.txt'" in err
    assert not out.exists()
