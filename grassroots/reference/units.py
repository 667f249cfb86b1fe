"""The catalogue of units: which procuratorates exist, derived from the 2023 division codes.

Source: ``admin_divisions_2023.csv`` in this package (National Bureau of Statistics 2023
statistical division codes, plus an English ``name_en`` column precomputed by
``scripts/build_reference.py``). The rules:

0. **Nation.** The Supreme People's Procuratorate (最高人民检察院) is the root above the
   provinces, code ``000000`` (``NATION_CODE``). No NBS code starts with ``00`` (province
   prefixes run 11-82), and special units keep their province's prefix, so the code cannot
   collide with any other unit. It is not a division, so ``procuratorate_units`` lists it only
   when asked (``with_nation=True``, as the organisations loader does); the generator's unit
   lists stay the provinces' units, with the provinces as their roots.
1. **Province.** One provincial procuratorate per province, code ``NN0000``
   ("山东省人民检察院", "Shandong Provincial People's Procuratorate"). Its ``peer_group`` is empty.
2. **City.** One city procuratorate per city-level division ``NNNN``, code ``NNNN00``
   ("济南市人民检察院", "Jinan Municipal People's Procuratorate"); parent and peer group: the
   province. Exceptions in rule 4.
3. **Grassroots.** One grassroots procuratorate per 6-digit county-level division, code = the
   division code; parent and peer group: its city. Districts carry their city's name
   ("济南市历下区人民检察院", "Jinan Lixia District People's Procuratorate") because district
   names repeat across cities (市中区, 新城区); counties and county-level cities do not
   ("平阴县人民检察院", "胶州市人民检察院"), as in practice. Excluded — no procuratorate of their
   own, cases go to the host district's procuratorate:

   * every code whose 5th-6th digits are 71-79 (the NBS range for development zones and other
     functional areas), and any other name containing one of ``ZONE_KEYWORDS``;
   * the 9-digit township entries the source lists under cities without counties;
   * the nominal island-group entries of 三沙 (西沙群岛, 南沙群岛, 中沙群岛的岛礁及其海域: names
     containing ``NOMINAL_KEYWORDS``), which are not county governments.

   Kept although they look like zones (``KEEP_ZONES``): 天津滨海新区 120116 and 上海浦东新区
   310115 (state-level new areas that are districts with a procuratorate) and 苏州工业园区 320576
   (the Suzhou Industrial Park has had its own procuratorate, kind "zone"). Other real district
   names that merely contain 新区/园区 (沈北新区, 清新区, 绿园区, 梁园区, 下花园区) are untouched
   because the rule matches 工业园 and 71-79 codes, not 新区 or 园区.
4. **No city level where there is no city.** The ``市辖区``/``县`` groups of the four
   municipalities (11, 12, 31, 50) and the province-administered county-level groups ``NN90``
   (Henan, Hubei, Hainan, Xinjiang) get no city unit: their grassroots units hang directly
   under the provincial unit, with the province's code as peer group (all districts of Beijing
   compare with each other). The municipalities' branch procuratorates (北京市人民检察院第一分院
   ...) are not modelled, because their mapping to districts is not in the division list.
5. **Cities without counties** (东莞 4419, 中山 4420, 三沙 4603, 儋州 4604, 嘉峪关 6202 — any city left with
   no county-level child after rule 3) get grassroots units coded ``NNNNG1``, ``NNNNG2``... (a
   letter, so never an NBS code): 东莞 its three urban-district procuratorates (第一/第二/第三市区),
   中山 its two (第一/第二), any other ``<city>城区人民检察院`` (as 嘉峪关 has).
6. **Railway transport.** Shandong (37) has the 济南铁路运输检察分院 (code ``37T000``, level city,
   kind railway, under the provincial unit) and its grassroots units 济南铁路运输检察院 ``37T001``
   and 青岛铁路运输检察院 ``37T002`` (peer group ``37T000``). Special codes are the 2-digit
   province + a letter (``T`` railway, ``G`` see rule 5) + 3 digits: they cannot collide with the
   all-digit NBS codes. No other province's railway units are modelled yet (add them to
   ``SPECIAL_UNITS`` when their names are confirmed); no forestry units either.

Units come parents first: the nation when asked for, then per province the province, each
city followed by its grassroots units, the units directly under the province, the special units.

>>> units = procuratorate_units(["37"])
>>> units[0].name_zh, units[0].level
('山东省人民检察院', 'province')
>>> next(u for u in units if u.code == "370102").name_en
"Jinan Lixia District People's Procuratorate"
>>> division_name("3701")
'济南市'
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

DIVISIONS_CSV = Path(__file__).with_name("admin_divisions_2023.csv")

NATION, PROVINCE, CITY, GRASSROOTS = "nation", "province", "city", "grassroots"
NATION_CODE = "000000"
REGULAR, RAILWAY, FORESTRY, ZONE, OTHER = "regular", "railway", "forestry", "zone", "other"

MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
ZONE_KEYWORDS = (
    "开发区",
    "高新",
    "经济技术",
    "示范区",
    "工业园",
    "管理区",
    "实验区",
    "试验区",
    "产业园",
    "聚集区",
)
NOMINAL_KEYWORDS = ("群岛",)
KEEP_ZONES: dict[str, str] = {"120116": REGULAR, "310115": REGULAR, "320576": ZONE}
SUFFIX = "人民检察院"
SUFFIX_EN = "People's Procuratorate"


@dataclass(frozen=True)
class UnitSpec:
    code: str  # 6 chars for NBS-derived units; special units documented in the module docstring
    name_zh: str
    name_en: str
    level: str  # "nation" | "province" | "city" | "grassroots"
    kind: str  # "regular" | "railway" | "forestry" | "zone" | "other"
    parent_code: str | None
    peer_group: str  # grassroots: the parent city's code; cities: the province's; else ""


NATIONAL_UNIT = UnitSpec(
    NATION_CODE,
    "最高人民检察院",
    "Supreme People's Procuratorate",
    NATION,
    REGULAR,
    None,
    "",
)


@dataclass(frozen=True)
class _Division:
    code: str
    name: str
    level: str
    parent_code: str
    name_en: str


# Grassroots units of cities without counties (rule 5): (suffix, name_zh, name_en).
CITYLESS_UNITS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "4419": (
        ("G1", "东莞市第一市区人民检察院", "Dongguan No. 1 Urban District People's Procuratorate"),
        ("G2", "东莞市第二市区人民检察院", "Dongguan No. 2 Urban District People's Procuratorate"),
        ("G3", "东莞市第三市区人民检察院", "Dongguan No. 3 Urban District People's Procuratorate"),
    ),
    "4420": (
        ("G1", "中山市第一人民检察院", "Zhongshan No. 1 People's Procuratorate"),
        ("G2", "中山市第二人民检察院", "Zhongshan No. 2 People's Procuratorate"),
    ),
}

# Special units (rule 6), per province, parents first.
SPECIAL_UNITS: dict[str, tuple[UnitSpec, ...]] = {
    "37": (
        UnitSpec(
            "37T000",
            "济南铁路运输检察分院",
            "Jinan Railway Transport Branch Procuratorate",
            CITY,
            RAILWAY,
            "370000",
            "370000",
        ),
        UnitSpec(
            "37T001",
            "济南铁路运输检察院",
            "Jinan Railway Transport Procuratorate",
            GRASSROOTS,
            RAILWAY,
            "37T000",
            "37T000",
        ),
        UnitSpec(
            "37T002",
            "青岛铁路运输检察院",
            "Qingdao Railway Transport Procuratorate",
            GRASSROOTS,
            RAILWAY,
            "37T000",
            "37T000",
        ),
    ),
}


@functools.cache
def _divisions() -> dict[str, _Division]:
    with DIVISIONS_CSV.open(encoding="utf-8", newline="") as fh:
        return {
            row["code"]: _Division(
                row["code"], row["name"], row["level"], row["parent_code"], row["name_en"]
            )
            for row in csv.DictReader(fh)
        }


def _children(code: str) -> list[_Division]:
    return sorted((d for d in _divisions().values() if d.parent_code == code), key=lambda d: d.code)


def division_name(code: str) -> str:
    """The Chinese name of a division; accepts "37", "370000", "3701", "370100", "370102".

    >>> division_name("370000"), division_name("370102")
    ('山东省', '历下区')
    """
    divisions = _divisions()
    for candidate in (code, code.removesuffix("0000"), code.removesuffix("00")):
        if len(candidate) in (2, 4, 6) and candidate in divisions:
            return divisions[candidate].name
    raise KeyError(f"unknown division code {code!r}")


def is_zone_without_procuratorate(code: str, name: str) -> bool:
    """Rule 3's exclusion: NBS functional-area codes (71-79), zone and nominal names, bar KEEP_ZONES."""
    if code in KEEP_ZONES:
        return False
    if any(word in name for word in NOMINAL_KEYWORDS):
        return True
    return code[4] == "7" or any(word in name for word in ZONE_KEYWORDS)


def _has_city_level(city: _Division) -> bool:
    province = city.parent_code
    return province not in MUNICIPALITIES and not city.code.endswith("90")


def _strip_en(name_en: str, *suffixes: str) -> str:
    for suffix in suffixes:
        if name_en.endswith(" " + suffix):
            return name_en[: -len(suffix) - 1]
    return name_en


def _province_unit(p: _Division) -> UnitSpec:
    en = p.name_en.replace(" Province", " Provincial").replace(" Municipality", " Municipal")
    return UnitSpec(
        f"{p.code}0000", p.name + SUFFIX, f"{en} {SUFFIX_EN}", PROVINCE, REGULAR, None, ""
    )


def _city_unit(c: _Division) -> UnitSpec:
    en = _strip_en(c.name_en, "City") + (" Municipal" if c.name_en.endswith(" City") else "")
    province = f"{c.parent_code}0000"
    return UnitSpec(
        f"{c.code}00", c.name + SUFFIX, f"{en} {SUFFIX_EN}", CITY, REGULAR, province, province
    )


def _county_unit(county: _Division, host: _Division, parent_code: str) -> UnitSpec:
    """``host`` names the district's prefix: the city, or the municipality itself."""
    kind = KEEP_ZONES.get(county.code, REGULAR)
    zh, en = county.name, county.name_en
    prefix_host = host.level == "province" and host.code in MUNICIPALITIES or host.level == "city"
    if county.name.endswith("区") and prefix_host:
        zh = host.name + county.name
        en = _strip_en(host.name_en, "City", "Municipality") + " " + county.name_en
    return UnitSpec(
        county.code, zh + SUFFIX, f"{en} {SUFFIX_EN}", GRASSROOTS, kind, parent_code, parent_code
    )


def _cityless_units(city: _Division) -> list[UnitSpec]:
    code = f"{city.code}00"
    default = (
        (
            "G1",
            city.name + "城区人民检察院",
            _strip_en(city.name_en, "City") + " Urban District " + SUFFIX_EN,
        ),
    )
    return [
        UnitSpec(city.code + suffix, zh, en, GRASSROOTS, REGULAR, code, code)
        for suffix, zh, en in CITYLESS_UNITS.get(city.code, default)
    ]


def _grassroots_of(city: _Division, host: _Division, parent_code: str) -> list[UnitSpec]:
    return [
        _county_unit(d, host, parent_code)
        for d in _children(city.code)
        if len(d.code) == 6 and not is_zone_without_procuratorate(d.code, d.name)
    ]


def _province_units(province: _Division) -> list[UnitSpec]:
    head = _province_unit(province)
    units, direct = [head], []
    for city in _children(province.code):
        if not _has_city_level(city):
            direct += _grassroots_of(city, province, head.code)
            continue
        units.append(_city_unit(city))
        units += _grassroots_of(city, city, f"{city.code}00") or _cityless_units(city)
    return units + direct + list(SPECIAL_UNITS.get(province.code, ()))


def procuratorate_units(
    provinces: Iterable[str] | None = None, *, with_nation: bool = False
) -> list[UnitSpec]:
    """All procuratorates of the given provinces (2-digit codes; None = the whole country).

    ``with_nation``: start with the national unit (rule 0) and hang the provinces under it.
    Raises KeyError for an unknown province code.

    >>> len([u for u in procuratorate_units(["37"]) if u.level == "city" and u.kind == "regular"])
    16
    >>> [(u.code, u.parent_code) for u in procuratorate_units(["37"], with_nation=True)[:2]]
    [('000000', None), ('370000', '000000')]
    """
    all_provinces = sorted(d.code for d in _divisions().values() if d.level == "province")
    wanted = all_provinces if provinces is None else list(provinces)
    units: list[UnitSpec] = [NATIONAL_UNIT] if with_nation else []
    for code in wanted:
        if code not in all_provinces:
            raise KeyError(f"unknown province code {code!r}")
        province_units = _province_units(_divisions()[code])
        if with_nation:
            head = province_units[0]
            province_units[0] = replace(head, parent_code=NATION_CODE)
        units += province_units
    return units


def province_codes() -> list[str]:
    """The 2-digit codes of the 31 provinces in the division list."""
    return sorted(d.code for d in _divisions().values() if d.level == "province")
