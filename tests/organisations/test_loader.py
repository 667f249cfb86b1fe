from __future__ import annotations

import dataclasses
import time
from decimal import Decimal
from pathlib import Path

import pytest

from grassroots.cli import main
from grassroots.organisations.models import AuditAction, AuditEntry, Level, Unit, UnitKind
from grassroots.organisations.services import load_units
from grassroots.organisations.unitfile import UnitRow, reference_rows

HEADER = (
    "code,name_zh,name_en,level,parent_code,kind,peer_group,headcount,procurators,under_45_share\n"
)


@pytest.fixture
def cli_ready(settings, tmp_path):
    # `grassroots` checks its data directory before touching the database.
    settings.DATA_DIR = tmp_path
    return tmp_path


def write_csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "units.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_load_builds_paths_and_default_peer_groups(province) -> None:
    lixia = province["370102"]
    assert lixia.path == "370000/370100/370102/"
    assert lixia.parent == province["370100"]
    assert lixia.peer_group == "370100"


def test_reloading_changed_rows_records_updates_not_new_units(db) -> None:
    rows = [
        UnitRow("370000", "山东省人民检察院", "province", None),
        UnitRow("370100", "济南市人民检察院", "city", "370000"),
        UnitRow("370102", "历下区人民检察院", "grassroots", "370100"),
    ]
    first = load_units(rows=rows, actor=None)
    renamed = [*rows[:2], dataclasses.replace(rows[2], name_zh="济南市历下区人民检察院")]
    second = load_units(rows=renamed, actor=None)

    # The first load also creates the national unit above the province.
    assert (len(first.created), len(second.created)) == (4, 0)
    assert second.updated == ["370102"]
    assert second.unchanged == 2  # the nation is not a row of the second load
    assert Unit.objects.count() == 4
    assert Unit.objects.get(code="370102").name_zh == "济南市历下区人民检察院"
    update = AuditEntry.objects.get(action=AuditAction.UPDATE)
    assert update.before["name_zh"] == "历下区人民检察院"
    assert update.after["name_zh"] == "济南市历下区人民检察院"
    assert AuditEntry.objects.filter(action=AuditAction.CREATE).count() == 4


def test_reference_reload_keeps_a_peer_group_the_province_changed(province) -> None:
    Unit.objects.filter(code="370102").update(peer_group="urban")
    rows = [dataclasses.replace(r, peer_group="370100") for r in reference_like(province)]
    load_units(rows=rows, actor=None)
    assert Unit.objects.get(code="370102").peer_group == "urban"


def reference_like(province) -> list[UnitRow]:
    return [
        UnitRow(u.code, u.name_zh, u.level, u.parent.code if u.parent else None)
        for u in province.values()
    ]


@pytest.mark.django_db
def test_shandong_has_its_province_cities_counties_and_railway_units(cli_ready, capsys) -> None:
    assert main(["units", "load", "--province", "37"]) == 0
    assert Unit.objects.filter(level=Level.PROVINCE).count() == 1
    assert Unit.objects.filter(level=Level.CITY, kind=UnitKind.REGULAR).count() == 16
    # 151 county-level divisions minus 15 development zones (codes 37xx7x).
    assert Unit.objects.filter(level=Level.GRASSROOTS, kind=UnitKind.REGULAR).count() == 136
    railway = Unit.objects.filter(kind=UnitKind.RAILWAY)
    assert set(railway.values_list("code", flat=True)) == {"37T000", "37T001", "37T002"}
    assert not Unit.objects.filter(code="370176").exists()  # Jinan high-tech zone
    assert Unit.objects.get(code="37T001").path == "370000/37T000/37T001/"
    count = Unit.objects.count()
    assert main(["units", "load", "--province", "37"]) == 0
    assert Unit.objects.count() == count
    assert "0 created, 0 updated" in capsys.readouterr().out


@pytest.mark.django_db
def test_file_load_creates_units_with_staff_figures(cli_ready) -> None:
    path = write_csv(
        cli_ready,
        "370000,山东省人民检察院,,province,,,,,,\n"
        "370100,济南市人民检察院,,city,370000,,,,,\n"
        "370102,历下区人民检察院,Lixia,grassroots,370100,regular,urban,52,20,48.5\n",
    )
    assert main(["units", "load", "--file", str(path)]) == 0
    lixia = Unit.objects.get(code="370102")
    assert (lixia.headcount, lixia.procurators, lixia.under_45_share) == (52, 20, Decimal("48.50"))
    assert lixia.peer_group == "urban"


@pytest.mark.django_db
def test_file_problems_are_each_named_by_line_and_nothing_is_written(cli_ready, capsys) -> None:
    path = write_csv(
        cli_ready,
        "\n".join(
            [
                "370000,山东省人民检察院,,province,,,,,,",  # line 2: fine
                "370100,济南市人民检察院,,city,370000,,,,,",  # line 3: fine
                "370102,历下区人民检察院,,grassroots,379900,,,,,",  # line 4: unknown parent
                "370100,重复,,city,370000,,,,,",  # line 5: duplicate code
                "3701x,坏码,,grassroots,370100,,,,,",  # line 6: malformed code
                "370103,市中区,,county,370100,,,,,",  # line 7: bad level
                "370104,槐荫区,,grassroots,370100,,,many,,",  # line 8: non-numeric staff figure
                "370105,天桥区,,grassroots,370100,,,,,abc",  # line 9: non-numeric share
            ]
        )
        + "\n",
    )
    assert main(["units", "load", "--file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "nothing was written" in err
    for expected in (
        "line 4, column parent_code: unknown parent 379900",
        "line 5, column code: duplicate code 370100 (first on line 3)",
        "line 6, column code: '3701x' is not a unit code",
        "line 7, column level: 'county' is not a level",
        "line 8, column headcount: 'many' is not a whole number",
        "line 9, column under_45_share: 'abc' is not a number",
    ):
        assert expected in err
    assert "line 2" not in err
    assert "line 3," not in err
    assert Unit.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_file_may_name_parents_already_in_the_database(province, cli_ready) -> None:
    path = write_csv(cli_ready, "370104,槐荫区人民检察院,,grassroots,370100,,,,,\n")
    assert main(["units", "load", "--file", str(path)]) == 0
    assert Unit.objects.get(code="370104").path == "370000/370100/370104/"


def test_moving_a_unit_moves_its_subtree(province) -> None:
    moved = UnitRow("370100", "济南市人民检察院", "city", "370200")  # contrived, to test rebasing
    load_units(rows=[moved], actor=None)
    assert Unit.objects.get(code="370102").path == "370000/370200/370100/370102/"


@pytest.mark.slow
@pytest.mark.django_db
def test_the_whole_country_loads_in_under_30_seconds() -> None:
    rows = reference_rows(None)
    started = time.perf_counter()
    result = load_units(rows=rows, actor=None)
    elapsed = time.perf_counter() - started
    assert len(result.created) == len(rows) == Unit.objects.count()
    assert Unit.objects.filter(level=Level.GRASSROOTS).count() > 2800
    assert elapsed < 30
