"""The units of a synthetic run: their size (caseload factor) and staff figures.

Every unit-level draw comes from a generator seeded by ``(seed, code, purpose)``, so a unit has
the same size and staff whether a province or the whole nation is generated, and adding a unit
changes no other unit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from grassroots.reference.units import GRASSROOTS, RAILWAY, ZONE, UnitSpec, division_name

# Persons entering a grassroots unit per quarter at --scale 1 for a unit of size 1. With the
# size mix below this gives ~1.6 million persons a year nationally, near the published volume.
BASE_PERSONS_PER_QUARTER = 110.0
SIZE_SIGMA = 0.5  # lognormal spread of caseload between otherwise similar units

# Caseload multipliers by the kind of division: a big urban district handles several times the
# cases of a rural county.
URBAN_DISTRICT, COUNTY_CITY, COUNTY = 1.5, 1.1, 0.7
CAPITAL_BONUS = 1.4  # districts of the provincial capital (city code NN01)
CITYLESS = 2.2  # the few units serving a whole city without counties (Dongguan, Zhongshan)
RAILWAY_FACTOR, ZONE_FACTOR = 0.25, 1.0


@dataclass(frozen=True)
class StaffFigures:
    headcount: int
    procurators: int
    under_45_share: float  # percent, 0-100


def unit_rng(seed: int, code: str, purpose: str) -> np.random.Generator:
    """A generator private to one unit and one purpose (stable across runs and machines)."""
    digest = hashlib.blake2b(f"{seed}:{code}:{purpose}".encode(), digest_size=8).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))


def _kind_factor(unit: UnitSpec) -> float:
    if unit.kind == RAILWAY:
        return RAILWAY_FACTOR
    if unit.kind == ZONE:
        return ZONE_FACTOR
    if not unit.code.isdigit():
        return CITYLESS
    name = division_name(unit.code)
    if name.endswith("区"):
        capital = unit.code[2:4] == "01"
        return URBAN_DISTRICT * (CAPITAL_BONUS if capital else 1.0)
    return COUNTY_CITY if name.endswith("市") else COUNTY


def unit_size(unit: UnitSpec, seed: int) -> float:
    """Relative caseload of a grassroots unit (mean about 1)."""
    noise = unit_rng(seed, unit.code, "size").lognormal(mean=0.0, sigma=SIZE_SIGMA)
    return float(_kind_factor(unit) * noise)


def sizes(units: Sequence[UnitSpec], seed: int) -> npt.NDArray[np.float64]:
    return np.array([unit_size(u, seed) for u in units], dtype=np.float64)


def _staff_for(unit: UnitSpec, seed: int) -> StaffFigures:
    rng = unit_rng(seed, unit.code, "staff")
    if unit.level == GRASSROOTS:
        # Staff follow caseload (about one officer per 8 persons handled a year) with a floor:
        # even the smallest county procuratorate has a leadership team and support staff.
        yearly = 4 * BASE_PERSONS_PER_QUARTER * unit_size(unit, seed)
        headcount = 22 + yearly / 8 * rng.lognormal(0.0, 0.15)
    elif unit.level == "city":
        headcount = rng.uniform(90, 260) * (0.4 if unit.kind == RAILWAY else 1.0)
    else:
        headcount = rng.uniform(280, 520)
    headcount = float(min(headcount, 600))
    procurators = round(headcount * rng.uniform(0.33, 0.45))  # the quota system caps procurators
    share = float(np.clip(rng.normal(55.0, 9.0), 25.0, 85.0))
    return StaffFigures(round(headcount), procurators, round(share, 1))


def staff_figures(units: Sequence[UnitSpec | str], seed: int = 1) -> dict[str, StaffFigures]:
    """Plausible staff figures per unit code, correlated with the unit's synthetic caseload.

    Accepts UnitSpecs or bare codes (codes are looked up in the national catalogue of units).

    >>> figures = staff_figures(["370102", "370124"], seed=1)
    >>> figures["370102"].headcount > 0 and 0 < figures["370102"].under_45_share < 100
    True
    """
    specs = [u for u in units if isinstance(u, UnitSpec)]
    codes = [u for u in units if isinstance(u, str)]
    if codes:
        from grassroots.reference.units import procuratorate_units

        by_code = {u.code: u for u in procuratorate_units(sorted({c[:2] for c in codes}))}
        missing = [c for c in codes if c not in by_code]
        if missing:
            raise KeyError(f"unknown unit codes: {', '.join(missing[:5])}")
        specs += [by_code[c] for c in codes]
    return {u.code: _staff_for(u, seed) for u in specs}
