"""The catalogue of units derived from the 2023 division codes."""

from __future__ import annotations

import ast
import csv
from collections import Counter
from pathlib import Path

import pytest

from grassroots.reference import units as units_module
from grassroots.reference.units import (
    NATION_CODE,
    UnitSpec,
    division_name,
    is_zone_without_procuratorate,
    procuratorate_units,
)

SHARED_CSV = (
    Path(__file__).resolve().parents[3] / "shared" / "reference" / "admin_divisions_2023.csv"
)


@pytest.fixture(scope="module")
def shandong() -> list[UnitSpec]:
    return procuratorate_units(["37"])


@pytest.fixture(scope="module")
def nation() -> list[UnitSpec]:
    return procuratorate_units()


def test_shandong_has_one_province_and_sixteen_regular_cities(shandong: list[UnitSpec]) -> None:
    levels = Counter((u.level, u.kind) for u in shandong)
    assert levels[("province", "regular")] == 1
    assert levels[("city", "regular")] == 16
    # 151 county-level divisions minus the 15 development zones coded 71-79.
    assert levels[("grassroots", "regular")] == 136


def test_every_grassroots_unit_in_shandong_has_an_existing_parent(shandong: list[UnitSpec]) -> None:
    codes = {u.code for u in shandong}
    grassroots = [u for u in shandong if u.level == "grassroots"]
    assert grassroots
    assert all(u.parent_code in codes for u in grassroots)


def test_it_excludes_development_zones(nation: list[UnitSpec]) -> None:
    codes = {u.code for u in nation}
    assert "370176" not in codes  # 济南高新技术产业开发区
    assert "371072" not in codes  # 威海经济技术开发区
    assert not [u for u in nation if "开发区" in u.name_zh or "高新" in u.name_zh]


def test_it_keeps_state_level_new_areas_and_real_districts_named_like_zones(
    nation: list[UnitSpec],
) -> None:
    names = {u.code: u.name_zh for u in nation}
    assert names["310115"] == "上海市浦东新区人民检察院"
    assert names["120116"] == "天津市滨海新区人民检察院"
    assert "210113" in names  # 沈北新区 is a district, not a zone
    assert "130706" in names  # 下花园区 contains 园区 but is a district


def test_the_zone_rule_spares_the_listed_exceptions() -> None:
    assert is_zone_without_procuratorate("370176", "济南高新技术产业开发区")
    assert is_zone_without_procuratorate("130272", "唐山市汉沽管理区")
    assert not is_zone_without_procuratorate("310115", "浦东新区")
    assert not is_zone_without_procuratorate("370102", "历下区")


def test_shandong_has_the_railway_branch_and_its_two_units(shandong: list[UnitSpec]) -> None:
    railway = {u.code: u for u in shandong if u.kind == "railway"}
    assert railway["37T000"].level == "city"
    assert railway["37T000"].parent_code == "370000"
    assert {railway["37T001"].name_zh, railway["37T002"].name_zh} == {
        "济南铁路运输检察院",
        "青岛铁路运输检察院",
    }
    assert {railway[c].peer_group for c in ("37T001", "37T002")} == {"37T000"}


def test_codes_are_unique_across_the_nation(nation: list[UnitSpec]) -> None:
    duplicates = [c for c, n in Counter(u.code for u in nation).items() if n > 1]
    assert duplicates == []
    assert 2_700 <= sum(u.level == "grassroots" for u in nation) <= 3_100


def test_parents_precede_children(nation: list[UnitSpec]) -> None:
    seen: set[str] = set()
    for unit in nation:
        assert unit.parent_code is None or unit.parent_code in seen, unit
        seen.add(unit.code)


def test_peer_groups_name_an_existing_unit(nation: list[UnitSpec]) -> None:
    codes = {u.code for u in nation}
    assert all(u.peer_group in codes for u in nation if u.level != "province")
    assert all(u.peer_group == u.parent_code for u in nation if u.level == "grassroots")


def test_no_city_is_left_without_grassroots_units(nation: list[UnitSpec]) -> None:
    parents = {u.parent_code for u in nation if u.level == "grassroots"}
    empty = [u.code for u in nation if u.level == "city" and u.code not in parents]
    assert empty == []


def test_cities_without_counties_get_letter_coded_units(nation: list[UnitSpec]) -> None:
    by_code = {u.code: u for u in nation}
    assert by_code["4419G1"].parent_code == "441900"
    assert by_code["4419G3"].name_zh == "东莞市第三市区人民检察院"
    assert by_code["4420G2"].parent_code == "442000"
    assert by_code["6202G1"].name_zh == "嘉峪关市城区人民检察院"
    assert by_code["4604G1"].parent_code == "460400"
    assert not [u for u in nation if len(u.code) > 6]  # 9-digit townships are not units


def test_municipal_districts_hang_directly_under_the_municipality(nation: list[UnitSpec]) -> None:
    by_code = {u.code: u for u in nation}
    assert "110100" not in by_code  # 市辖区 is no procuratorate
    assert by_code["110105"].parent_code == "110000"
    assert by_code["110105"].name_zh == "北京市朝阳区人民检察院"
    assert by_code["500229"].peer_group == "500000"  # a Chongqing county


def test_it_builds_chinese_and_english_names_by_level(shandong: list[UnitSpec]) -> None:
    by_code = {u.code: u for u in shandong}
    assert by_code["370000"].name_en == "Shandong Provincial People's Procuratorate"
    assert by_code["370100"].name_zh == "济南市人民检察院"
    assert by_code["370100"].name_en == "Jinan Municipal People's Procuratorate"
    assert by_code["370102"].name_zh == "济南市历下区人民检察院"
    assert by_code["370102"].name_en == "Jinan Lixia District People's Procuratorate"
    assert by_code["370281"].name_zh == "胶州市人民检察院"  # county-level city: no prefix


def test_division_name_accepts_short_and_padded_codes() -> None:
    assert division_name("37") == division_name("370000") == "山东省"
    assert division_name("3701") == division_name("370100") == "济南市"
    assert division_name("370102") == "历下区"
    with pytest.raises(KeyError):
        division_name("379999")


def test_it_rejects_an_unknown_province() -> None:
    with pytest.raises(KeyError, match="99"):
        procuratorate_units(["99"])


def test_package_copy_matches_the_shared_source() -> None:
    if not SHARED_CSV.exists():
        pytest.skip("the shared reference folder is not present on this machine")
    with SHARED_CSV.open(encoding="utf-8") as fh:
        source = [(r["code"], r["name"], r["level"], r["parent_code"]) for r in csv.DictReader(fh)]
    with units_module.DIVISIONS_CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["code"], r["name"], r["level"], r["parent_code"]) for r in rows] == source
    assert all(r["name_en"] for r in rows)


def test_the_reference_package_imports_neither_django_nor_pypinyin() -> None:
    tree = ast.parse(Path(units_module.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert "csv" in imported  # the walk sees the imports at all
    assert not {m for m in imported if m.split(".")[0] in ("django", "pypinyin", "grassroots")}


def test_the_nation_comes_first_and_parents_every_province_only_when_asked() -> None:
    with_nation = procuratorate_units(["37", "64"], with_nation=True)
    head = with_nation[0]
    assert (head.code, head.level, head.parent_code) == (NATION_CODE, "nation", None)
    assert head.name_zh == "最高人民检察院"
    provinces = [u for u in with_nation if u.level == "province"]
    assert {u.parent_code for u in provinces} == {NATION_CODE}
    # Without it (the generator's unit lists) the provinces stay roots and nothing else changes.
    plain = procuratorate_units(["37", "64"])
    assert all(u.parent_code is None for u in plain if u.level == "province")
    assert [u.code for u in with_nation[1:]] == [u.code for u in plain]


def test_the_national_code_cannot_collide_with_a_division_or_special_code(
    nation: list[UnitSpec],
) -> None:
    divisions = [row["code"] for row in csv.DictReader(units_module.DIVISIONS_CSV.open())]
    assert not [c for c in divisions if c.startswith(NATION_CODE[:2])]
    assert NATION_CODE not in {u.code for u in nation}
