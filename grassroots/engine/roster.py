"""A unit's roster as the engine sees it: one row per staff member, and the check that case
records name people and departments the roster knows (issue 14).

The app ``people`` holds the roster (its models, import, pages); the engine takes it as a frame
with :data:`ROSTER_COLUMNS`. The synthetic generator writes the same columns to ``roster.csv``.

>>> import pandas as pd
>>> roster = pd.DataFrame({"unit_code": ["370102"], "staff_id": ["P0001"],
...     "category": ["prosecutor"], "department": ["D01"]})
>>> cases = {"persons": pd.DataFrame({"unit_code": ["370102", "370102"],
...     "case_id": ["c1", "c2"], "prosecutor_id": ["P0001", "P0099"], "department": ["D01", "D01"]})}
>>> [str(p) for p in handler_problems(cases, roster)]
["persons row 3, column prosecutor_id: staff number 'P0099' is not in the roster of unit 370102"]
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import duckdb
import pandas as pd
import pyarrow as pa

from grassroots.engine.cases import CaseTables
from grassroots.engine.errors import MAX_PROBLEMS, Problem


class StaffCategory(StrEnum):
    """分类: the staff categories of the 2021 guideline (分级分类考核)."""

    PROSECUTOR = "prosecutor"  # 员额检察官
    ASSISTANT = "assistant"  # 检察官助理
    CLERK = "clerk"  # 书记员
    ADMIN = "admin"  # 司法行政人员
    LEADER = "leader"  # 院领导（领导干部）


CATEGORY_NAMES_ZH: dict[str, str] = {
    "prosecutor": "员额检察官",
    "assistant": "检察官助理",
    "clerk": "书记员",
    "admin": "司法行政人员",
    "leader": "院领导",
}

# (column, 中文, English); unit_code + staff_id is the key.
ROSTER_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("unit_code", "单位代码", "Unit code"),
    ("staff_id", "工号", "Staff number (unique within the unit)"),
    ("name", "姓名", "Name"),
    ("category", "人员类别", "Staff category (prosecutor, assistant, clerk, admin, leader)"),
    ("department", "部门代码", "Department code (e.g. D01)"),
    ("department_name", "部门名称", "Department name (e.g. 第一检察部)"),
    ("post", "职务", "Post"),
    ("quota", "是否入额", "Holds a prosecutor quota seat (员额)"),
    ("birth_year", "出生年份", "Birth year"),
    ("joined_year", "参加工作年份", "Year joined"),
    ("talent_pool", "是否入选人才库", "In the city's talent pool"),
)
ROSTER_COLUMN_NAMES: tuple[str, ...] = tuple(c for c, _, _ in ROSTER_COLUMNS)


STAFF_FIGURE_COLUMNS = [
    "unit_code", "headcount", "procurators", "leaders", "under_45_share", "talent_pool_share",
    "born_1980s_1990s", "talent_pool_1980s_1990s",
]  # fmt: skip


def staff_figures_of(roster: pd.DataFrame, *, year: int) -> pd.DataFrame:
    """Per unit, the staff figures a roster gives (``STAFF_FIGURE_COLUMNS``), as of ``year``.

    ``headcount`` rows; ``procurators`` quota seats (``quota``; without that column, the
    prosecutors and leaders); ``leaders``; ``under_45_share`` the percent aged under 45 in
    ``year`` (``year - birth_year < 45``); ``talent_pool_share`` the percent in the talent pool;
    ``born_1980s_1990s`` and ``talent_pool_1980s_1990s`` the counts the seeds cite (Juancheng:
    33 officers born in the 1980s-90s, 2 of them in the city's talent pool).

    >>> r = pd.DataFrame({"unit_code": ["u"] * 4, "category": ["leader", "prosecutor",
    ...     "assistant", "clerk"], "birth_year": [1970, 1985, 1995, 1990],
    ...     "talent_pool": [False, True, False, False]})
    >>> staff_figures_of(r, year=2024).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'unit_code': 'u', 'headcount': 4, 'procurators': 2, 'leaders': 1, 'under_45_share': 75.0,
     'talent_pool_share': 25.0, 'born_1980s_1990s': 3, 'talent_pool_1980s_1990s': 1}
    """
    frame = pd.DataFrame({"unit_code": roster["unit_code"].astype("str")})
    category = roster["category"].astype("str")
    if "quota" in roster:
        frame["seat"] = roster["quota"].astype("bool")
    else:
        frame["seat"] = category.isin(["prosecutor", "leader"])
    frame["leader"] = category == "leader"
    birth = pd.to_numeric(roster["birth_year"], errors="coerce")
    frame["young"] = (year - birth) < 45
    pool = roster["talent_pool"].astype("bool") if "talent_pool" in roster else False
    frame["pool"] = pool
    frame["eighties"] = birth.between(1980, 1999)
    frame["eighties_pool"] = frame["eighties"] & frame["pool"]
    grouped = frame.groupby("unit_code", sort=True)
    out = pd.DataFrame({
        "headcount": grouped.size(),
        "procurators": grouped["seat"].sum(),
        "leaders": grouped["leader"].sum(),
        "under_45_share": (grouped["young"].mean() * 100).round(1),
        "talent_pool_share": (grouped["pool"].mean() * 100).round(1),
        "born_1980s_1990s": grouped["eighties"].sum(),
        "talent_pool_1980s_1990s": grouped["eighties_pool"].sum(),
    }).reset_index()  # fmt: skip
    for column in ("headcount", "procurators", "leaders", "born_1980s_1990s",
                   "talent_pool_1980s_1990s"):  # fmt: skip
        out[column] = out[column].astype("int64")
    out["unit_code"] = out["unit_code"].astype("str")
    return out[STAFF_FIGURE_COLUMNS]


def handler_problems(
    cases: CaseTables | Mapping[str, pa.Table | pd.DataFrame], roster: pd.DataFrame
) -> list[Problem]:
    """Rows whose ``prosecutor_id`` or ``department`` the unit's roster does not know.

    Empty cells are fine (the columns are optional); a unit without any roster row is not
    checked (its typed staff figures stand in for a roster). Rows are numbered as a spreadsheet
    shows a CSV file (header row 1, first data row 2); at most MAX_PROBLEMS are returned.
    """
    con = duckdb.connect()
    try:
        con.register("roster_in", _arrow(roster[["unit_code", "staff_id", "department"]]))
        problems: list[Problem] = []
        for name, view in _views(con, cases).items():
            problems += _table_problems(con, name, view)
        return problems[:MAX_PROBLEMS]
    finally:
        con.close()


def _arrow(frame: pa.Table | pd.DataFrame) -> pa.Table:
    return (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )


def _views(
    con: duckdb.DuckDBPyConnection, cases: CaseTables | Mapping[str, pa.Table | pd.DataFrame]
) -> dict[str, str]:
    views: dict[str, str] = {}
    if isinstance(cases, CaseTables):
        for name, table in cases.tables.items():
            if {"prosecutor_id", "department"} & table.present:
                views[name] = table.register(con, f"check_{name}")
        return views
    for name, frame in cases.items():
        arrow = _arrow(frame)
        if {"prosecutor_id", "department"} & set(arrow.column_names):
            con.register(f"check_{name}", arrow)
            views[name] = f"check_{name}"
    return views


def _table_problems(con: duckdb.DuckDBPyConnection, name: str, view: str) -> list[Problem]:
    columns = {r[0] for r in con.execute(f'DESCRIBE "{view}"').fetchall()}
    checks = []
    if "prosecutor_id" in columns:
        checks.append(
            ("prosecutor_id", "staff number", "NOT EXISTS (SELECT 1 FROM roster_in r WHERE "
             "r.unit_code = c.unit_code AND r.staff_id = c.prosecutor_id)")
        )  # fmt: skip
    if "department" in columns:
        checks.append(
            ("department", "department", "NOT EXISTS (SELECT 1 FROM roster_in r WHERE "
             "r.unit_code = c.unit_code AND r.department = c.department)")
        )  # fmt: skip
    problems = []
    for column, what, missing in checks:
        rows = con.execute(
            f'SELECT n + 1, unit_code, "{column}" FROM (SELECT row_number() OVER () AS n, * '
            f'FROM "{view}") AS c WHERE "{column}" IS NOT NULL AND "{column}" <> \'\' '
            f"AND unit_code IN (SELECT unit_code FROM roster_in) AND {missing} "
            f"ORDER BY n LIMIT {MAX_PROBLEMS}"
        ).fetchall()
        problems += [
            Problem(name, int(row), column, f"{what} {value!r} is not in the roster of unit {unit}")
            for row, unit, value in rows
        ]
    return problems
