"""Latent quality per unit and period, and the planted weak units.

Quality is a standardised score (0 = an ordinary unit, about ±0.5 between ordinary units, about
-1.8 for a weak unit). Every rate in the generated records moves with it through a logistic
link, so weak units show more remands and extensions, less plea leniency, more post-arrest
non-prosecution, and so on.

Trajectories:

* ``steady``: an ordinary unit, a small drift and quarter-to-quarter noise;
* ``weak``: planted weak, stays weak;
* ``improving``: planted weak, climbs to an ordinary level by the last period;
* ``relapsing``: planted weak, climbs to an ordinary level about 60% of the way through, then
  falls back to where it started by the last period (exactly one per province).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from grassroots.reference.units import REGULAR, UnitSpec

# 35 weak units among Shandong's 136 regular grassroots units; other provinces in proportion.
WEAK_PER_UNIT = 35 / 136
IMPROVING_SHARE = 0.4  # of the weak units, those that improve (besides the one relapser)
ORDINARY_MEAN, ORDINARY_SD, ORDINARY_FLOOR = 0.3, 0.5, -0.9
WEAK_MEAN, WEAK_SD = -1.8, 0.25
RECOVERED = 0.3  # where improvers end up
DRIFT_SD, NOISE_SD = 0.2, 0.1
RELAPSE_PEAK = 0.6  # fraction of the run at which the relapser is at its best
# Gaming units: ordinary units that, for the last GAMING_PERIODS quarters, stop recording most
# of their remands and extensions, so their case-to-procedure ratio improves without any change
# in how they work. Planted only when the window leaves them GAMING_HISTORY clean quarters
# before (the norm a detector compares with); chosen with their own random stream, so adding
# them changes no other unit's trajectory or quality.
GAMING_PER_UNIT = 5 / 136
GAMING_PERIODS = 2
GAMING_HISTORY = 4
GAMING_HIDDEN = 0.8  # share of remand and extension events a gaming unit leaves unrecorded


class Trajectory(enum.StrEnum):
    STEADY = "steady"
    WEAK = "weak"
    IMPROVING = "improving"
    RELAPSING = "relapsing"


@dataclass(frozen=True)
class Plan:
    """Trajectory per unit (aligned with the units given) and quality per unit × period."""

    trajectories: tuple[Trajectory, ...]
    quality: npt.NDArray[np.float64]  # shape (units, periods)


def weak_count(regular_units: int) -> int:
    """How many weak units to plant in a province with this many regular grassroots units."""
    return min(regular_units, round(WEAK_PER_UNIT * regular_units))


def _province_trajectories(
    units: Sequence[UnitSpec], size: npt.NDArray[np.float64], rng: np.random.Generator
) -> list[Trajectory]:
    candidates = np.array([i for i, u in enumerate(units) if u.kind == REGULAR], dtype=np.int64)
    plan = [Trajectory.STEADY] * len(units)
    n_weak = weak_count(len(candidates))
    if n_weak == 0:
        return plan
    # Weak units are more often small rural ones: draw with weight 1/sqrt(size).
    weights = 1.0 / np.sqrt(size[candidates])
    weak = rng.choice(candidates, size=n_weak, replace=False, p=weights / weights.sum())
    n_improving = round(IMPROVING_SHARE * n_weak) if n_weak > 1 else 0
    for rank, index in enumerate(weak):
        if rank == 0 and n_weak > 1:
            plan[index] = Trajectory.RELAPSING
        elif rank <= n_improving:
            plan[index] = Trajectory.IMPROVING
        else:
            plan[index] = Trajectory.WEAK
    return plan


def _path(trajectory: Trajectory, base: float, periods: int) -> npt.NDArray[np.float64]:
    t = np.arange(periods, dtype=np.float64)
    last = max(periods - 1, 1)
    if trajectory is Trajectory.IMPROVING:
        return base + (RECOVERED - base) * t / last
    if trajectory is Trajectory.RELAPSING:
        peak = max(1, math.ceil(RELAPSE_PEAK * last))
        up = base + (RECOVERED - base) * np.minimum(t, peak) / peak
        down = (RECOVERED - base) * np.maximum(t - peak, 0) / max(last - peak, 1)
        return up - down
    return np.full(periods, base)


def plan_gaming(
    units: Sequence[UnitSpec], trajectories: Sequence[Trajectory], periods: int, seed: int
) -> npt.NDArray[np.float64]:
    """Share of remand and extension events left unrecorded, per unit × period (0 = honest)."""
    hidden = np.zeros((len(units), periods), dtype=np.float64)
    if periods < GAMING_HISTORY + GAMING_PERIODS:
        return hidden
    for province in sorted({u.code[:2] for u in units}):
        candidates = [
            i
            for i, u in enumerate(units)
            if u.code[:2] == province and u.kind == REGULAR and trajectories[i] is Trajectory.STEADY
        ]
        n = min(len(candidates), round(GAMING_PER_UNIT * len(candidates)))
        rng = np.random.default_rng([seed, int(province), 3])
        for i in rng.choice(np.array(candidates, dtype=np.int64), size=n, replace=False):
            hidden[i, periods - GAMING_PERIODS :] = GAMING_HIDDEN
    return hidden


def plan_quality(
    units: Sequence[UnitSpec], size: npt.NDArray[np.float64], periods: int, seed: int
) -> Plan:
    """Plant weak units per province and draw every unit's quality path."""
    trajectories: list[Trajectory] = [Trajectory.STEADY] * len(units)
    for province in sorted({u.code[:2] for u in units}):
        members = [i for i, u in enumerate(units) if u.code[:2] == province]
        rng = np.random.default_rng([seed, int(province), 1])
        chosen = _province_trajectories([units[i] for i in members], size[members], rng)
        for i, trajectory in zip(members, chosen, strict=True):
            trajectories[i] = trajectory
    rng = np.random.default_rng([seed, 2])
    quality = np.empty((len(units), periods), dtype=np.float64)
    t = np.arange(periods) / max(periods - 1, 1)
    for i, trajectory in enumerate(trajectories):
        if trajectory is Trajectory.STEADY:
            base = max(rng.normal(ORDINARY_MEAN, ORDINARY_SD), ORDINARY_FLOOR)
            path = base + rng.normal(0.0, DRIFT_SD) * t
        else:
            path = _path(trajectory, rng.normal(WEAK_MEAN, WEAK_SD), periods)
        quality[i] = path + rng.normal(0.0, NOISE_SD, size=periods)
    return Plan(tuple(trajectories), quality)
