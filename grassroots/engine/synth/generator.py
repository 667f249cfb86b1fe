"""Generate a synthetic province (or nation): units.csv, the case tables and truth.json."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from grassroots.engine.errors import InputError
from grassroots.engine.periods import Period
from grassroots.engine.synth import quality as quality_mod
from grassroots.engine.synth.output import OutputFormat, TableSink
from grassroots.engine.synth.people import Handlers, roster_frame
from grassroots.engine.synth.population import sizes, staff_figures
from grassroots.engine.synth.quality import Plan, Trajectory, plan_gaming, plan_quality
from grassroots.engine.synth.records import RATES, Batch, case_tables, matters_table
from grassroots.reference.units import GRASSROOTS, UnitSpec, procuratorate_units, province_codes

BATCH_UNITS = 32  # units generated together; fixed so output never depends on memory or cores
UNITS_CSV_COLUMNS = (
    "unit_code", "name", "peer_group", "parent", "level", "kind",
    "headcount", "procurators", "under_45_share",
)  # fmt: skip
EPOCH = date(1970, 1, 1).toordinal()


class SynthError(ValueError):
    """Options the generator cannot honour (bad period, unknown province, bad scale)."""


@dataclass(frozen=True)
class SynthOptions:
    """What to generate. ``provinces=None`` is the whole nation."""

    first: str = "2023Q1"
    last: str = "2024Q4"
    provinces: tuple[str, ...] | None = ("37",)
    seed: int = 1
    scale: float = 1.0
    fmt: OutputFormat = OutputFormat.PARQUET
    # Roster size per grassroots unit; None: each unit's headcount in units.csv (the people
    # benchmark uses 40 to get 6,000 staff in 150 units). Case records name the same people.
    staff_per_unit: int | None = None


@dataclass(frozen=True)
class SynthSummary:
    units: int
    grassroots_units: int
    periods: tuple[str, ...]
    rows: dict[str, int] = field(default_factory=dict)
    weak_units: tuple[str, ...] = ()


def quarters(first: str, last: str) -> list[Period]:
    """The quarters from ``first`` to ``last`` inclusive; SynthError on anything else."""
    try:
        start, stop = Period.parse(first), Period.parse(last)
    except InputError as exc:
        raise SynthError(str(exc)) from None
    for p in (start, stop):
        if p.kind != "quarter":
            raise SynthError(f"{p.key!r} is not a quarter (expected e.g. 2023Q1)")
    if start > stop:
        raise SynthError(f"--from {start.key} is after --to {stop.key}")
    return Period.range(start, stop)


def _units(provinces: tuple[str, ...] | None) -> list[UnitSpec]:
    if provinces is not None:
        unknown = sorted(set(provinces) - set(province_codes()))
        if unknown:
            raise SynthError(f"unknown province code {', '.join(unknown)} (expected e.g. 37)")
    return procuratorate_units(provinces)


def _day(d: date) -> int:
    return d.toordinal() - EPOCH


def _batches(
    units: Sequence[UnitSpec],
    size: np.ndarray[Any, Any],
    plan: Plan,
    periods: Sequence[Period],
    scale: float,
    hidden: np.ndarray[Any, Any],
) -> Iterator[Batch]:
    starts = np.array([_day(p.start) for p in periods], dtype=np.int64)
    lengths = np.array([_day(p.end) - _day(p.start) + 1 for p in periods], dtype=np.int64)
    numbers = np.array([p.number for p in periods], dtype=np.int64)
    for lo in range(0, len(units), BATCH_UNITS):
        hi = min(lo + BATCH_UNITS, len(units))
        yield Batch(
            codes=[u.code for u in units[lo:hi]],
            size=size[lo:hi],
            quality=plan.quality[lo:hi],
            period_keys=[p.key for p in periods],
            period_start=starts,
            period_days=lengths,
            quarter=numbers,
            end=_day(periods[-1].end),
            scale=scale,
            hidden=hidden[lo:hi],
        )


def _write_units_csv(path: Path, units: Sequence[UnitSpec], seed: int) -> None:
    staff = staff_figures(units, seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(UNITS_CSV_COLUMNS)
        for u in units:
            s = staff[u.code]
            writer.writerow(
                [u.code, u.name_zh, u.peer_group, u.parent_code or "", u.level, u.kind,
                 s.headcount, s.procurators, f"{s.under_45_share:.1f}"]
            )  # fmt: skip


def _truth(
    options: SynthOptions,
    units: Sequence[UnitSpec],
    size: np.ndarray[Any, Any],
    plan: Plan,
    periods: Sequence[Period],
    rows: dict[str, int],
    hidden: np.ndarray[Any, Any],
) -> dict[str, Any]:
    def having(*kinds: Trajectory) -> list[str]:
        return [u.code for u, t in zip(units, plan.trajectories, strict=True) if t in kinds]

    keys = [p.key for p in periods]
    weak_kinds = (Trajectory.WEAK, Trajectory.IMPROVING, Trajectory.RELAPSING)
    return {
        "generator": "grassroots.engine.synth",
        "seed": options.seed,
        "scale": options.scale,
        "provinces": list(options.provinces) if options.provinces is not None else "all",
        "periods": keys,
        "parameters": {
            "weak_per_regular_unit": quality_mod.WEAK_PER_UNIT,
            "improving_share_of_weak": quality_mod.IMPROVING_SHARE,
            "ordinary_quality_mean": quality_mod.ORDINARY_MEAN,
            "weak_quality_mean": quality_mod.WEAK_MEAN,
            "rates": {name: {"base": r.base, "beta": r.beta} for name, r in RATES.items()},
            "gaming_per_regular_unit": quality_mod.GAMING_PER_UNIT,
            "gaming_hidden_share": quality_mod.GAMING_HIDDEN,
        },
        "weak_units": having(*weak_kinds),
        "improving_units": having(Trajectory.IMPROVING),
        "relapsing_units": having(Trajectory.RELAPSING),
        # Unit code -> the quarters in which it left most remands and extensions unrecorded.
        "gaming_units": {
            u.code: [k for k, h in zip(keys, row, strict=True) if h > 0]
            for u, row in zip(units, hidden, strict=True)
            if row.any()
        },
        "rows": rows,
        "units": {
            u.code: {
                "trajectory": t.value,
                "size": round(float(s), 4),
                "quality": {k: round(float(v), 4) for k, v in zip(keys, q, strict=True)},
            }
            for u, t, s, q in zip(units, plan.trajectories, size, plan.quality, strict=True)
        },
    }


def generate(out: Path, options: SynthOptions | None = None) -> SynthSummary:
    """Write units.csv, roster.csv, persons/events/matters and truth.json into ``out`` (created if needed).

    Deterministic: the same options give byte-identical files.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     s = generate(Path(d), SynthOptions(first="2024Q1", last="2024Q1", scale=0.05))
    ...     sorted(p.name for p in Path(d).iterdir())
    ['events.parquet', 'matters.parquet', 'persons.parquet', 'roster.csv', 'truth.json', 'units.csv']
    """
    options = options or SynthOptions()
    if not options.scale > 0:
        raise SynthError(f"--scale must be positive, not {options.scale}")
    if options.staff_per_unit is not None and options.staff_per_unit < 20:
        raise SynthError(f"--staff-per-unit must be at least 20, not {options.staff_per_unit}")
    periods = quarters(options.first, options.last)
    every_unit = _units(options.provinces)
    units = [u for u in every_unit if u.level == GRASSROOTS]
    size = sizes(units, options.seed)
    plan = plan_quality(units, size, len(periods), options.seed)
    hidden = plan_gaming(units, plan.trajectories, len(periods), options.seed)
    out.mkdir(parents=True, exist_ok=True)
    _write_units_csv(out / "units.csv", every_unit, options.seed)
    sized = (
        None
        if options.staff_per_unit is None
        else dict.fromkeys((u.code for u in units), options.staff_per_unit)
    )
    roster = roster_frame(units, options.seed, headcount=sized)
    roster.to_csv(out / "roster.csv", index=False, encoding="utf-8", lineterminator="\n")
    by_unit = {str(code): rows for code, rows in roster.groupby("unit_code", sort=False)}
    sinks = {name: TableSink(out, name, options.fmt) for name in ("persons", "events", "matters")}
    try:
        for number, batch in enumerate(_batches(units, size, plan, periods, options.scale, hidden)):
            rng = np.random.default_rng([options.seed, number])
            gaming_rng = np.random.default_rng([options.seed, number, 3])
            handlers = Handlers.of(by_unit, batch.codes, options.seed)
            handler_rng = np.random.default_rng([options.seed, number, 7])
            persons, events = case_tables(batch, rng, gaming_rng, handlers, handler_rng)
            sinks["persons"].write(persons)
            sinks["events"].write(events)
            sinks["matters"].write(matters_table(batch, rng, handlers, handler_rng))
    finally:
        for sink in sinks.values():
            sink.close()
    rows = {name: sink.rows for name, sink in sinks.items()}
    truth = _truth(options, units, size, plan, periods, rows, hidden)
    (out / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return SynthSummary(
        units=len(every_unit),
        grassroots_units=len(units),
        periods=tuple(p.key for p in periods),
        rows=rows,
        weak_units=tuple(truth["weak_units"]),
    )
