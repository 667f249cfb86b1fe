"""National bulk import (issue 17.2): one export covering every unit of a province becomes one
data version per grassroots unit, all-or-nothing per unit, with the refused units and why."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from django.contrib.auth import get_user_model

from grassroots.cli import main
from grassroots.engine.cases import read_cases
from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.compute import compute_elements
from grassroots.engine.synth import OutputFormat, SynthOptions, generate
from grassroots.intake.cases.bulk import import_bulk
from grassroots.intake.cases.services import import_cases
from grassroots.intake.integrity import integrity_problems
from grassroots.intake.models import DataVersion, ElementValue, ValidationFinding, ValidationRun
from grassroots.intake.selectors import many_version_cases
from grassroots.intake.validation import services as validation_services
from grassroots.intake.validation.services import find
from grassroots.organisations.models import AuditEntry, Level, Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import reference_rows

PERIOD = "2024Q4"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ningxia (64): a small province, its export as CSV files."""
    out = tmp_path_factory.mktemp("ningxia")
    generate(
        out,
        SynthOptions(first=PERIOD, last=PERIOD, provinces=("64",), scale=0.1, fmt=OutputFormat.CSV),
    )
    return out


@pytest.fixture
def ningxia(db) -> dict[str, Unit]:
    load_units(rows=reference_rows(["64"]), actor=None, reason="fixture")
    return {u.code: u for u in Unit.objects.all()}


@pytest.fixture
def admin(ningxia):
    user = get_user_model().objects.create_user(username="bulk-admin", password="x")
    add_member(user=user, unit=ningxia["640000"], role=Role.PROVINCE_ADMIN, actor=None)
    return user


@pytest.fixture
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


def _spoiled(generated: Path, target: Path) -> tuple[Path, str, int]:
    """The export with one bad date in one unit's events (returns folder, unit, CSV row)."""
    target.mkdir()
    for name in ("persons", "matters"):
        (target / f"{name}.csv").write_bytes((generated / f"{name}.csv").read_bytes())
    rows = list(csv.reader((generated / "events.csv").open(encoding="utf-8")))
    header = rows[0]
    bad = 10  # the 10th data row: file row 11
    unit = rows[bad][header.index("unit_code")]
    rows[bad][header.index("event_date")] = "2024-13-45"
    rows.append(
        [("999999" if c == "unit_code" else v) for c, v in zip(header, rows[1], strict=True)]
    )
    with (target / "events.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return target, unit, bad + 1


def test_a_province_export_becomes_a_version_per_unit_refusing_only_the_bad_unit(
    generated, ningxia, admin, data_dir, tmp_path
) -> None:
    export, bad_unit, bad_row = _spoiled(generated, tmp_path / "export")
    report = import_bulk(source=export, root=ningxia["640000"], period=PERIOD, actor=admin)

    grassroots = {c for c, u in ningxia.items() if u.level == Level.GRASSROOTS}
    created = {v.unit.code for v in report.created}
    assert bad_unit not in created
    assert len(created) >= len(grassroots) - 3  # every unit with records, but the bad one
    # The bad unit is refused whole, naming file, row and column; so is the unknown unit.
    (problem,) = report.refused[bad_unit]
    assert (problem.source, problem.row, problem.column) == ("events.csv", bad_row, "event_date")
    assert "'2024-13-45' is not a date" in problem.message
    assert "999999" in report.refused
    assert not DataVersion.objects.filter(unit__code=bad_unit).exists()

    # Each version holds its unit's rows only, with the element values a single upload gets.
    cases = read_cases(generated)
    expected = compute_elements(cases, load_catalogue("spp-case-quality"), [PERIOD])
    for version in report.created[:3]:
        folder = data_dir / "versions" / str(version.pk)
        units = pd.read_parquet(folder / "events.parquet")["unit_code"].unique().tolist()
        assert units == [version.unit.code]
        stored = dict(
            ElementValue.objects.filter(data_version=version).values_list("element", "value")
        )
        want = expected[expected.unit_code == version.unit.code]
        assert stored == pytest.approx(dict(zip(want.element, want.value, strict=True)))
    assert all(sum(v.row_counts.values()) > 0 for v in report.created)
    # Each recorded checksum (hashed as the files were written) is the stored folder's, and
    # the versions read together as a run reads them, with the element values computed above.
    assert integrity_problems() == []
    read = many_version_cases(report.created)
    again_values = compute_elements(
        read[report.created[0].pk], load_catalogue("spp-case-quality"), [PERIOD]
    )
    first = report.created[0].unit.code
    want = expected[expected.unit_code == first]
    assert dict(zip(again_values.element, again_values.value, strict=True)) == pytest.approx(
        dict(zip(want.element, want.value, strict=True))
    )
    # Audited: each version (as an upload) and the import as a whole.
    entry = AuditEntry.objects.filter(reason__startswith="bulk case import").get()
    assert f"{len(created)} versions" in entry.reason

    # The same export again adds nothing; the fixed unit alone is then imported.
    again = import_bulk(source=export, root=ningxia["640000"], period=PERIOD, actor=admin)
    assert again.created == []
    assert set(again.unchanged) == created
    fixed = import_bulk(source=generated, root=ningxia["640000"], period=PERIOD, actor=admin)
    assert [v.unit.code for v in fixed.created] == [bad_unit]


def test_an_unreadable_file_refuses_everything(ningxia, admin, data_dir, tmp_path) -> None:
    export = tmp_path / "bad"
    export.mkdir()
    (export / "events.csv").write_text("unit_code,event_id,case_id,colour\n640104,e1,c1,red\n")
    code = main(["import", "cases-bulk", str(export), "--scope", "640000", "--period", PERIOD,
                 "--user", "bulk-admin"])  # fmt: skip
    assert code == 2
    assert not DataVersion.objects.exists()


def test_the_command_lists_refused_units_in_the_operators_language(
    generated, ningxia, admin, data_dir, tmp_path, capsys, monkeypatch
) -> None:
    export, bad_unit, bad_row = _spoiled(generated, tmp_path / "export")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    code = main(["import", "cases-bulk", str(export), "--scope", "640000", "--period", PERIOD,
                 "--user", "bulk-admin"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2  # some units were refused (the others are imported)
    assert f"未导入 {bad_unit}" in captured.err
    assert f"events.csv row {bad_row}, column event_date" in captured.err
    assert "999999 不是本次导入范围内的基层院" in captured.err
    assert "新建数据版本" in captured.out
    assert DataVersion.objects.count() > 10


def test_a_clerk_may_not_bulk_import(generated, ningxia, data_dir) -> None:
    from grassroots.intake.cases.services import UploadRefused

    clerk = get_user_model().objects.create_user(username="bulk-clerk", password="x")
    unit = next(u for u in ningxia.values() if u.level == Level.GRASSROOTS)
    add_member(user=clerk, unit=unit, role=Role.GRASSROOTS_CLERK, actor=None)
    with pytest.raises(UploadRefused):
        import_bulk(source=generated, root=ningxia["640000"], period=PERIOD, actor=clerk)
    assert not DataVersion.objects.exists()


def _checked_as_stored(period: str) -> list[tuple[str, str, str, str]]:
    """The latest validation run's findings, which must be what checking the units afresh,
    from the values as stored, finds: the bulk import checks the new values while the files
    are being encoded, before they are stored."""
    run = ValidationRun.objects.latest("pk")
    assert run.period == period

    def key(f: ValidationFinding) -> tuple[str, str, str, str]:
        return (f.unit.code, str(f.kind), f.code, f.message)

    stored = sorted(key(f) for f in run.findings.select_related("unit"))
    afresh = find(units=list(run.units.all()), period=period, catalogue=run.catalogue)
    assert stored == sorted(key(f) for f in afresh)
    return stored


def test_the_import_checks_the_new_values_as_they_are_then_stored(
    ningxia, admin, data_dir, tmp_path
) -> None:
    exports = {}
    for period in ("2024Q3", "2024Q4"):
        exports[period] = tmp_path / period
        generate(exports[period], SynthOptions(first=period, last=period, provinces=("64",),
                                               scale=0.1, fmt=OutputFormat.CSV, seed=3))  # fmt: skip
        import_bulk(source=exports[period], root=ningxia["640000"], period=period, actor=admin)
    first = _checked_as_stored("2024Q4")  # with the quarter before as history
    assert any(kind == "outlier" for _, kind, _, _ in first)

    # A unit flagged for its procedural events loses them in 2024Q4: its version is replaced,
    # and the check reads its new values instead of those they replace.
    unit = min(code for code, _, element, _ in first if element == "extra_procedures")
    changed = tmp_path / "changed"
    changed.mkdir()
    for name in ("persons", "matters"):
        (changed / f"{name}.csv").write_bytes((exports["2024Q4"] / f"{name}.csv").read_bytes())
    rows = list(csv.reader((exports["2024Q4"] / "events.csv").open(encoding="utf-8")))
    with (changed / "events.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(r for r in rows if r[0] != unit)
    report = import_bulk(source=changed, root=ningxia["640000"], period="2024Q4", actor=admin)
    assert [v.unit.code for v in report.created] == [unit]
    second = _checked_as_stored("2024Q4")
    assert [u.code for u in ValidationRun.objects.latest("pk").units.all()] == [unit]
    assert "extra_procedures" not in {element for _, _, element, _ in second}


def test_units_left_unchanged_are_checked_with_the_values_they_keep(
    ningxia, admin, data_dir, tmp_path
) -> None:
    # A unit whose records did not change keeps its current values, which need not be the ones
    # computed now: here a city's own upload, later than the bulk import, covers its units. The
    # import's checks must read the values kept, as a check right after it does.
    for period in ("2024Q3", "2024Q4"):
        generate(tmp_path / period, SynthOptions(first=period, last=period, provinces=("64",),
                                                 scale=0.1, fmt=OutputFormat.CSV, seed=3))  # fmt: skip
        import_bulk(source=tmp_path / period, root=ningxia["640000"], period=period, actor=admin)
    city = ningxia["640100"]
    covered = set(Unit.objects.filter(path__startswith=city.path).values_list("code", flat=True))
    other = tmp_path / "other"
    generate(other, SynthOptions(first="2024Q4", last="2024Q4", provinces=("64",), scale=2.0,
                                 fmt=OutputFormat.CSV, seed=11))  # fmt: skip
    upload, changed = tmp_path / "city", tmp_path / "changed"
    upload.mkdir()
    changed.mkdir()
    export = tmp_path / "2024Q4"
    matters = list(csv.reader((export / "matters.csv").open(encoding="utf-8")))
    unit = sorted({r[0] for r in matters[1:]} & covered)[0]
    for name in ("persons", "events", "matters"):
        rows = list(csv.reader((other / f"{name}.csv").open(encoding="utf-8")))
        with (upload / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([rows[0], *(r for r in rows[1:] if r[0] in covered)])
        if name != "matters":
            (changed / f"{name}.csv").write_bytes((export / f"{name}.csv").read_bytes())
    with (changed / "matters.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(r for r in matters if r[0] != unit)
    import_cases(source=upload, unit=city, period="2024Q4", actor=admin)

    report = import_bulk(source=changed, root=ningxia["640000"], period="2024Q4", actor=admin)
    assert [v.unit.code for v in report.created] == [unit]
    assert len(report.unchanged) > 10
    assert _checked_as_stored("2024Q4")  # its peers' values are the city's: flagged


def test_a_check_that_fails_does_not_stop_the_import(
    generated, ningxia, admin, data_dir, monkeypatch
) -> None:
    def broken(**_: object) -> list[ValidationFinding]:
        raise RuntimeError("the checks failed")

    calls = []
    real = validation_services.find

    def once_broken(**kwargs: object) -> list[ValidationFinding]:
        calls.append(kwargs)
        return broken(**kwargs) if len(calls) == 1 else real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(validation_services, "find", once_broken)
    report = import_bulk(source=generated, root=ningxia["640000"], period=PERIOD, actor=admin)
    assert report.created
    assert not report.refused
    assert len(calls) == 2  # found again once the versions were stored
    run = ValidationRun.objects.get()
    assert {u.code for u in run.units.all()} == {v.unit.code for v in report.created}
