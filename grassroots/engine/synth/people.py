"""Synthetic rosters (departments and staff per unit) and who handles each generated case.

Every draw comes from generators private to one unit (``unit_rng(seed, code, purpose)``), so a
unit has the same people whether a province or the nation is generated. A roster's size is the
unit's ``headcount`` in ``units.csv`` and its quota seats are ``procurators`` (both from
:func:`staff_figures`), unless the caller overrides the headcount (the people benchmark does).

Handling prosecutors are drawn per case from a separate generator, so adding the handler columns
left every other column of the case tables byte-identical.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from grassroots.engine.roster import ROSTER_COLUMN_NAMES
from grassroots.engine.synth.population import staff_figures, unit_rng
from grassroots.reference.units import GRASSROOTS, UnitSpec

# (code, name): 院领导 and the departments of a county procuratorate after the internal reform.
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("D00", "院领导"),
    ("D01", "第一检察部（刑事检察部）"),
    ("D02", "第二检察部（刑事执行和未成年人检察部）"),
    ("D03", "第三检察部（民事行政检察部）"),
    ("D04", "第四检察部（公益诉讼检察部）"),
    ("D05", "综合业务部"),
    ("D06", "办公室"),
    ("D07", "政治部"),
)
DEPARTMENT_NAMES = dict(DEPARTMENTS)
CASE_DEPARTMENTS = ("D01", "D02", "D03", "D04")
CASE_SHARES = (0.38, 0.24, 0.19, 0.19)  # how quota prosecutors spread over the case departments
# The line of work a case or matter belongs to -> the departments whose prosecutors handle it.
LINES: dict[str, tuple[str, ...]] = {
    "criminal": ("D00", "D01", "D02"),
    "civil_admin": ("D03",),
    "public_interest": ("D04",),
}
MATTER_LINES = ("criminal", "civil_admin", "civil_admin", "public_interest")  # by MATTER_KINDS
LEADER_WEIGHT = 0.25  # leaders with a quota seat handle a few cases (入额院领导办案)
REFERENCE_YEAR = 2024

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红文辉建峰宁雪琳晨阳凯浩宇欣婷晓鹏飞昊然博志"


@dataclass(frozen=True)
class _Person:
    staff_id: str
    category: str
    department: str
    post: str
    quota: bool


def _spread(total: int, shares: Sequence[float]) -> list[int]:
    """``total`` split by ``shares`` (largest remainder), at least one each when total allows."""
    raw = [total * s / sum(shares) for s in shares]
    counts = [max(1, int(r)) if total >= len(shares) else int(r) for r in raw]
    order = sorted(range(len(shares)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while sum(counts) < total:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > total:
        j = max(range(len(counts)), key=lambda k: counts[k])
        counts[j] -= 1
    return counts


def _people(headcount: int, quota: int) -> list[_Person]:
    leaders = 3 if headcount < 60 else 4
    prosecutors = max(len(CASE_DEPARTMENTS), min(quota, headcount) - leaders)
    assistants = round(prosecutors * 0.8)
    clerks = round(prosecutors * 0.3)
    admin = max(3, headcount - leaders - prosecutors - assistants - clerks)
    assistants = max(0, headcount - leaders - prosecutors - clerks - admin)
    plan: list[tuple[str, str, str, bool]] = [("leader", "D00", "检察长", True)]
    plan += [("leader", "D00", "副检察长", True)] * (leaders - 1)
    for dept, n in zip(CASE_DEPARTMENTS, _spread(prosecutors, CASE_SHARES), strict=True):
        plan += [("prosecutor", dept, "部门主任", True)] + [
            ("prosecutor", dept, "检察官", True)
        ] * (n - 1)
    for dept, n in zip(CASE_DEPARTMENTS, _spread(assistants, CASE_SHARES), strict=True):
        plan += [("assistant", dept, "检察官助理", False)] * n
    for dept, n in zip(("D01", "D02", "D05"), _spread(clerks, (0.5, 0.3, 0.2)), strict=True):
        plan += [("clerk", dept, "书记员", False)] * n
    for dept, n in zip(("D05", "D06", "D07"), _spread(admin, (0.4, 0.35, 0.25)), strict=True):
        plan += [("admin", dept, "科员", False)] * n
    return [
        _Person(f"P{i + 1:04d}", category, dept, post, seat)
        for i, (category, dept, post, seat) in enumerate(plan)
    ]


def _unit_roster(unit: str, people: list[_Person], share: float, seed: int) -> dict[str, list[Any]]:
    rng = unit_rng(seed, unit, "roster")
    n = len(people)
    young = rng.random(n) < share / 100.0
    age = np.where(young, rng.integers(24, 45, n), rng.integers(45, 60, n))
    leader = np.array([p.category == "leader" for p in people])
    age = np.where(leader, np.maximum(age, 42 + rng.integers(0, 12, n)), age)
    birth = REFERENCE_YEAR - age
    joined = np.minimum(birth + rng.integers(21, 29, n), REFERENCE_YEAR)
    case_staff = np.array([p.category in ("prosecutor", "assistant") for p in people])
    pool = rng.random(n) < np.where(young & case_staff, 0.12, 0.03)
    surname = rng.integers(0, len(_SURNAMES), n)
    given = rng.integers(0, len(_GIVEN), (n, 2))
    two = rng.random(n) < 0.7
    names = [
        _SURNAMES[s] + _GIVEN[g[0]] + (_GIVEN[g[1]] if t else "")
        for s, g, t in zip(surname, given, two, strict=True)
    ]
    return {
        "unit_code": [unit] * n,
        "staff_id": [p.staff_id for p in people],
        "name": names,
        "category": [p.category for p in people],
        "department": [p.department for p in people],
        "department_name": [DEPARTMENT_NAMES[p.department] for p in people],
        "post": [p.post for p in people],
        "quota": [p.quota for p in people],
        "birth_year": birth.astype(np.int64).tolist(),
        "joined_year": joined.astype(np.int64).tolist(),
        "talent_pool": pool.tolist(),
    }


def roster_frame(
    units: Sequence[UnitSpec | str], seed: int = 1, *, headcount: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """The synthetic roster of grassroots ``units`` (specs or codes), one row per staff member,
    columns :data:`grassroots.engine.roster.ROSTER_COLUMN_NAMES`. Deterministic per unit.

    ``headcount`` overrides the size of some units (quota seats keep their share).

    >>> r = roster_frame(["370102"], seed=1)
    >>> sorted(set(r.category)), r.staff_id.iloc[0], r.post.iloc[0]
    (['admin', 'assistant', 'clerk', 'leader', 'prosecutor'], 'P0001', '检察长')
    >>> len(r) == staff_figures(["370102"])["370102"].headcount
    True
    """
    figures = staff_figures(list(units), seed)
    codes = [u.code if isinstance(u, UnitSpec) else u for u in units]
    levels = {u.code: u.level for u in units if isinstance(u, UnitSpec)}
    parts: dict[str, list[Any]] = {c: [] for c in ROSTER_COLUMN_NAMES}
    for code in codes:
        if levels.get(code, GRASSROOTS) != GRASSROOTS:
            continue
        f = figures[code]
        size = (headcount or {}).get(code, f.headcount)
        quota = round(f.procurators * size / f.headcount)
        for column, values in _unit_roster(
            code, _people(size, quota), f.under_45_share, seed
        ).items():
            parts[column] += values
    frame = pd.DataFrame(parts)
    for column in ("birth_year", "joined_year"):
        frame[column] = frame[column].astype("int64")
    for column in ("quota", "talent_pool"):
        frame[column] = frame[column].astype("bool")
    return frame


# ------------------------------------------------------------------ handlers of generated cases

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Pool:
    """Handlers of one line of work for a batch: ``cum`` rises through (u, u + 1] for unit u."""

    cum: npt.NDArray[np.float64]
    staff: npt.NDArray[np.object_]
    department: npt.NDArray[np.object_]

    def draw(self, unit: I64, rng: np.random.Generator) -> I64:
        at = unit.astype(np.float64) + rng.random(unit.size)
        return np.searchsorted(self.cum, at, side="right").astype(np.int64)


@dataclass(frozen=True)
class Handlers:
    """Who can handle each line of work in each unit of a batch (see :data:`LINES`)."""

    pools: dict[str, _Pool]

    @classmethod
    def of(cls, by_unit: Mapping[str, pd.DataFrame], codes: Sequence[str], seed: int) -> Handlers:
        """``by_unit``: each unit's roster rows (``dict(tuple(roster.groupby("unit_code")))``)."""
        pools = {}
        for line, departments in LINES.items():
            cum, staff, dept = [], [], []
            for u, code in enumerate(codes):
                people = by_unit[code]
                people = people[
                    people.department.isin(departments)
                    & people.category.isin(("prosecutor", "leader"))
                ]
                # Some prosecutors carry more cases than others (stable per unit and person).
                weights = unit_rng(seed, code, "caseload").lognormal(0.0, 0.35, len(people))
                weights = np.where(people.category == "leader", LEADER_WEIGHT, weights)
                share = np.cumsum(weights) / weights.sum()
                share[-1] = 1.0
                cum.append(u + share)
                staff.append(people.staff_id.to_numpy(dtype=object))
                dept.append(people.department.to_numpy(dtype=object))
            pools[line] = _Pool(np.concatenate(cum), np.concatenate(staff), np.concatenate(dept))
        return cls(pools)

    def assign(
        self, line: str, unit: I64, rng: np.random.Generator
    ) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
        """(staff ids, department codes) of a handler drawn for each item of ``unit``."""
        pool = self.pools[line]
        at = pool.draw(unit, rng)
        return pool.staff[at], pool.department[at]
