"""Engine benchmark: elements, indicators and scores on generated national data, with floors.

    .venv/bin/python benchmarks/engine.py            # nation: 3,000 units, 8 quarters
    .venv/bin/python benchmarks/engine.py --small    # one province (Shandong), a quick run
    .venv/bin/python benchmarks/engine.py --executors duckdb,spark [--size tiny]

--executors compares the element executors (issue 17.1) instead of the parts below: each
executor computes every element value of the 8 quarters from the same Parquet in its own
subprocess; printed are its seconds, its peak memory (the process and its children: Spark's JVM
too) and whether the element values are identical (every value, not just totals). --size
tiny is the whole nation at scale 0.1 (every unit, a two-hundredth of the national rows).

Generates the data once into benchmarks/out/ (git-ignored) and then measures, in this one run,
each part in its own subprocess so that every part's peak memory is its own:

  engine       read_cases + compute_elements + compute_indicators + evaluate, 8 quarters
  pandas       the same the straightforward way: read Parquet, boolean helper columns, groupby
  duckdb       floor: one hand-written aggregate query over the same Parquet (elements only)
  polars       floor: the same as one Polars lazy query (elements only)
  sensitivity  one nominal scoring pass vs 1,000 Monte-Carlo replications, one quarter

and prints the ratios against their targets with PASS/FAIL. Times are wall-clock seconds.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
TABLE_NAMES = ("persons", "events", "matters")
FIRST, LAST = "2023Q1", "2024Q4"
SCHEME = "core-business"
PARTS = ("engine", "pandas", "duckdb", "polars", "sensitivity")
EXECUTORS = ("duckdb", "spark")
SIZES = {"nation": None, "province": None, "tiny": 0.1}  # tiny: the nation at scale 0.1

# Targets of the issue.
TARGET_PANDAS_SPEEDUP = 5.0  # engine at least 5x faster than pandas
TARGET_FLOOR_RATIO = 1.2  # engine elements, validation included, at most 1.2x the faster floor
TARGET_SCORING_RATIO = 1.0  # engine scoring no slower than the textbook pandas scoring
SCORING_RUNS = 5  # each scoring (engine's, pandas') timed as the fastest of this many runs
TARGET_PEAK_GB = 4.0
TARGET_SENSITIVITY_RATIO = 20.0  # 1,000 replications under 20 nominal passes


# ----------------------------------------------------------------------------- data


def data_dir(small: bool, scale: float = 20.0) -> Path:
    if small:
        return OUT / "province-37"
    return OUT / ("nation" if scale == 20.0 else f"nation-{scale:g}")


def generate_args(folder: Path, *, small: bool, scale: float) -> list[str]:
    """`grassroots generate`'s arguments: Shandong alone, or the nation at ``scale``."""
    where = ["--province", "37"] if small else ["--nation", "--scale", str(scale)]
    return [
        "generate", *where, "--from", FIRST, "--to", LAST, "--seed", "1", "--out", str(folder),
    ]  # fmt: skip


def ensure_data(folder: Path, *, small: bool, scale: float) -> None:
    if (folder / "persons.parquet").exists() and (folder / "units.csv").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "grassroots.cli", *generate_args(folder, small=small, scale=scale)]
    print(f"generating {folder} ...", flush=True)
    started = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


def describe(folder: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    counts = {t: pq.ParquetFile(folder / f"{t}.parquet").metadata.num_rows for t in TABLE_NAMES}
    with (folder / "units.csv").open(encoding="utf-8") as fh:
        counts["units"] = sum(1 for _ in fh) - 1
    return counts


# ----------------------------------------------------------------------------- timing helpers


class Clock:
    """Wall-clock seconds of each step, and the process's CPU seconds (every thread: DuckDB's
    and Polars' workers too), which a busy shared machine distorts far less than wall time."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        started, cpu = time.perf_counter(), time.process_time()
        yield
        self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - started
        self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu

    def best_of(
        self,
        name: str,
        runs: int,
        step: Callable[[], Any],
        before: Callable[[], None] = lambda: None,
    ) -> Any:
        """``step()`` run ``runs`` times: the fastest run recorded as ``name`` (a short step's
        one run moves by tens of percent with what else the machine does), its result returned.
        ``before()`` runs ahead of each, untimed (``cold_engine``: no run finds another's cache)."""
        best, best_cpu, result = float("inf"), 0.0, None
        for _ in range(runs):
            before()
            started, cpu = time.perf_counter(), time.process_time()
            result = step()
            took = time.perf_counter() - started
            if took < best:
                best, best_cpu = took, time.process_time() - cpu
        self.times[name], self.cpu[name] = best, best_cpu
        return result


def cold_engine() -> None:
    """Every ``functools`` cache of the engine's modules emptied (the reasons' sentences are
    cached per process): each timed run starts as the first one did."""
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("grassroots.engine") and module is not None:
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()


def peak_rss_gb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024**2  # ru_maxrss is in KiB on Linux


def _periods() -> list[Any]:
    from grassroots.engine.periods import Period

    return Period.range(FIRST, LAST)


def _catalogue_and_scheme() -> tuple[Any, Any]:
    from grassroots.engine.catalogue import load_catalogue
    from grassroots.engine.scheme import load_scheme

    scheme = load_scheme(SCHEME)
    return load_catalogue(scheme.catalogue), scheme


def _rule_groups(catalogue: Any, codes: set[str] | None = None) -> dict[tuple[str, str], list[Any]]:
    """Elements with a rule, grouped by (table, date column): one aggregate per group."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for element in catalogue.elements.values():
        if element.rule is None or (codes is not None and element.code not in codes):
            continue
        groups.setdefault((element.rule.table, element.rule.date), []).append(element)
    return groups


# ----------------------------------------------------------------------------- parts


def part_engine(folder: Path) -> dict[str, Any]:
    from grassroots.engine.cases import read_cases
    from grassroots.engine.compute import compute_elements
    from grassroots.engine.indicators import compute_indicators
    from grassroots.engine.pipeline import read_units_file, values_for
    from grassroots.engine.scoring import evaluate

    clock = Clock()
    catalogue, scheme = _catalogue_and_scheme()
    periods = _periods()
    with clock.part("read_cases"):
        units = read_units_file(folder / "units.csv")
        cases = read_cases(folder, units=set(units["unit_code"]))
    with clock.part("elements"):
        elements = compute_elements(cases, catalogue, periods)
    with clock.part("indicators"):
        values = compute_indicators(elements, catalogue, codes=scheme.indicator_codes())
    rows = clock.best_of(
        "scores",
        SCORING_RUNS,
        lambda: sum(
            len(evaluate(values_for(values, scheme, period), units, scheme, period.key))
            for period in periods
        ),
        before=cold_engine,
    )
    totals = elements.groupby("element")["value"].sum()
    return {"times": clock.times, "cpu": clock.cpu, "totals": _plain(totals), "result_rows": rows}


PANDAS_SLICES = 16


def part_pandas(folder: Path) -> dict[str, Any]:
    import pandas as pd

    clock = Clock()
    catalogue, scheme = _catalogue_and_scheme()
    periods = _periods()
    start, end = periods[0].start, periods[-1].end
    with clock.part("elements"):
        # The straightforward way, read in slices of units so that the national tables (tens of
        # millions of rows) fit in memory at all: every group is by unit, so slices add up exactly.
        codes = sorted(pd.read_csv(folder / "units.csv", dtype=str)["unit_code"])
        size = -(-len(codes) // PANDAS_SLICES)
        slices = [codes[i : i + size] for i in range(0, len(codes), size)]
        groups = _rule_groups(catalogue)
        parts = []
        for chunk in slices:
            frames = []
            for table in sorted({table for table, _ in groups}):
                df = pd.read_parquet(
                    folder / f"{table}.parquet", filters=[("unit_code", "in", chunk)]
                )
                for (group_table, date_col), elements in groups.items():
                    if group_table == table:
                        frames.append(_pandas_group(df, date_col, elements, start, end))
                del df
            parts.append(pd.concat(frames, axis=1))
        wide = pd.concat(parts).fillna(0.0)
    with clock.part("indicators"):
        indicators = _pandas_indicators(wide, catalogue, scheme.indicator_codes())

    def scores() -> int:
        units = pd.read_csv(folder / "units.csv", dtype=str)
        return sum(len(_pandas_scores(indicators, units, scheme, q)) for q in range(len(periods)))

    rows = clock.best_of("scores", SCORING_RUNS, scores)
    return {"times": clock.times, "totals": _plain(wide.sum()), "result_rows": rows}


def _pandas_group(df: Any, date_col: str, elements: list[Any], start: Any, end: Any) -> Any:
    import pandas as pd

    dates = pd.to_datetime(df[date_col])
    keep = (dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))
    df = df.loc[keep].copy()
    dates = dates.loc[keep]
    df["_q"] = (dates.dt.year - start.year) * 4 + (dates.dt.month - 1) // 3
    out = {}
    for element in elements:
        helper = _pandas_filter(df, element.rule.filter)
        column = element.rule.measure.column
        if column is None:
            out[element.code] = helper.astype("int64").groupby([df["unit_code"], df["_q"]]).sum()
        else:
            picked = df.loc[helper]
            out[element.code] = picked.groupby(["unit_code", "_q"])[column].nunique()
    return pd.DataFrame(out)


def _pandas_filter(df: Any, sql: str) -> Any:
    """A catalogue filter as a boolean Series (the subset of SQL the catalogue uses)."""
    import sqlglot
    from sqlglot import exp

    def ev(node: exp.Expression) -> Any:
        if isinstance(node, exp.Paren):
            return ev(node.this)
        if isinstance(node, exp.And):
            return _truth(ev(node.left)) & _truth(ev(node.right))
        if isinstance(node, exp.Or):
            return _truth(ev(node.left)) | _truth(ev(node.right))
        if isinstance(node, exp.Not):
            inner = node.this
            if isinstance(inner, exp.Is):
                return df[inner.this.name].notna()
            return ~_truth(ev(inner))
        if isinstance(node, exp.Is):
            return df[node.this.name].isna()
        if isinstance(node, exp.In):
            return df[node.this.name].isin([e.this for e in node.expressions])
        if isinstance(node, exp.EQ):
            return df[node.left.name] == ev(node.right)
        if isinstance(node, exp.NEQ):
            return df[node.left.name] != ev(node.right)
        if isinstance(node, exp.Column):
            return df[node.name]
        if isinstance(node, exp.Literal):
            return node.this if node.is_string else float(node.this)
        if isinstance(node, exp.Boolean):
            return bool(node.this)
        raise NotImplementedError(f"filter {sql!r}: {type(node).__name__}")

    result = ev(sqlglot.parse_one(sql, read="duckdb"))
    if isinstance(result, bool):
        return df["unit_code"].notna() if result else df["unit_code"].isna()
    return _truth(result)


def _truth(series: Any) -> Any:
    return series.fillna(False).astype(bool)


def _pandas_indicators(wide: Any, catalogue: Any, codes: list[str]) -> Any:
    import numpy as np

    out = wide[[]].copy()
    for code in codes:
        numerator, denominator = catalogue.expanded(code)
        num = wide.eval(numerator)
        den = wide.eval(denominator)
        out[code] = np.where(
            den > 0, num / den.where(den > 0) * catalogue.indicators[code].factor, np.nan
        )
    return out


def _pandas_scores(indicators: Any, units: Any, scheme: Any, quarter: int) -> Any:
    """Min-max within the city, weighted means up the tree, ranks: the textbook way."""
    import pandas as pd

    frame = indicators.xs(quarter, level="_q").reindex(units["unit_code"])
    peer = units.set_index("unit_code")["peer_group"].reindex(frame.index)
    scores: dict[str, Any] = {}
    for node, _depth in reversed(scheme.nodes()):
        if node.is_leaf:
            value = frame[node.indicator]
            if node.leaf_direction.value == "range" and node.range is not None:
                value = -(value - (node.range.low + node.range.high) / 2).abs()
            elif node.leaf_direction.value == "lower":
                value = -value
            grouped = value.groupby(peer)
            low, high = grouped.transform("min"), grouped.transform("max")
            scores[node.code] = (value - low) / (high - low).where(high > low) * 100
        else:
            weights = pd.Series({c.code: c.weight for c in node.children})
            parts = pd.DataFrame({c.code: scores[c.code] for c in node.children})
            have = parts.notna().mul(weights).sum(axis=1)
            scores[node.code] = parts.mul(weights).sum(axis=1) / have.where(have > 0)
    result = pd.DataFrame(scores)
    root = scheme.root.code
    result["rank_peer"] = result[root].groupby(peer).rank(ascending=False, method="min")
    result["rank_all"] = result[root].rank(ascending=False, method="min")
    return result


def part_duckdb(folder: Path) -> dict[str, Any]:
    import duckdb

    catalogue, _ = _catalogue_and_scheme()
    periods = _periods()
    sql = duckdb_floor_sql(folder, catalogue, periods[0].start, periods[-1].end)
    clock = Clock()
    with clock.part("elements"):
        con = duckdb.connect()
        table = con.sql(sql).to_arrow_table()
        con.close()
    totals = table.to_pandas().groupby("element")["value"].sum()
    return {"times": clock.times, "cpu": clock.cpu, "totals": _plain(totals)}


def duckdb_floor_sql(folder: Path, catalogue: Any, start: Any, end: Any) -> str:
    """One statement: per (table, date) a conditional aggregate, unpivoted, all unioned.

    Distinct-case counts first collapse the rows to one per unit, quarter and case (bool_or
    of each filter), which is faster in DuckDB than count(DISTINCT ...) FILTER."""
    selects = []
    for (table, date_col), elements in _rule_groups(catalogue).items():
        path = (folder / f"{table}.parquet").as_posix()
        source = (
            f"SELECT *, year({date_col}) * 10 + quarter({date_col}) AS q FROM read_parquet('{path}') "
            f"WHERE {date_col} BETWEEN DATE '{start}' AND DATE '{end}'"
        )
        distinct = [e for e in elements if e.rule.measure.column is not None]
        plain = [e for e in elements if e.rule.measure.column is None]
        counts = [f"count(*) FILTER (WHERE {e.rule.filter}) AS {e.code}" for e in plain]
        if distinct:
            column = distinct[0].rule.measure.column
            inner = [f"bool_or({e.rule.filter}) AS {e.code}" for e in distinct] + counts
            outer = [f"count(*) FILTER (WHERE {e.code}) AS {e.code}" for e in distinct]
            outer += [f"sum({e.code}) AS {e.code}" for e in plain]
            query = (
                f"SELECT unit_code, q, {', '.join(outer)} FROM (SELECT unit_code, q, {column}, "
                f"{', '.join(inner)} FROM ({source}) GROUP BY ALL) GROUP BY ALL"
            )
        else:
            query = f"SELECT unit_code, q, {', '.join(counts)} FROM ({source}) GROUP BY ALL"
        codes = ", ".join(e.code for e in elements)
        selects.append(
            f"SELECT * FROM (UNPIVOT ({query}) ON {codes} INTO NAME element VALUE value)"
        )
    return "\nUNION ALL\n".join(selects)


def part_polars(folder: Path) -> dict[str, Any]:
    import datetime as dt

    import polars as pl

    catalogue, _ = _catalogue_and_scheme()
    periods = _periods()
    start, end = periods[0].start, periods[-1].end
    clock = Clock()
    with clock.part("elements"):
        queries = []
        for (table, date_col), elements in _rule_groups(catalogue).items():
            aggs = []
            for e in elements:
                cond = pl.sql_expr(e.rule.filter).fill_null(False)
                column = e.rule.measure.column
                if column is None:
                    aggs.append(cond.sum().alias(e.code))
                else:
                    aggs.append(pl.col(column).filter(cond).n_unique().alias(e.code))
            date = pl.col(date_col).cast(pl.Date)
            query = (
                pl.scan_parquet(folder / f"{table}.parquet")
                .filter(
                    date.is_between(
                        dt.date.fromisoformat(str(start)), dt.date.fromisoformat(str(end))
                    )
                )
                .group_by("unit_code", (date.dt.year() * 10 + date.dt.quarter()).alias("q"))
                .agg(aggs)
                .unpivot(index=["unit_code", "q"], variable_name="element", value_name="value")
                .with_columns(pl.col("value").cast(pl.Float64))
            )
            queries.append(query)
        frame = pl.concat(queries).collect()
    totals = frame.to_pandas().groupby("element")["value"].sum()
    return {"times": clock.times, "cpu": clock.cpu, "totals": _plain(totals)}


def part_sensitivity(folder: Path, *, reps: int) -> dict[str, Any]:
    from grassroots.engine.cases import read_cases
    from grassroots.engine.compute import compute_elements
    from grassroots.engine.indicators import compute_indicators
    from grassroots.engine.pipeline import read_units_file
    from grassroots.engine.scoring import evaluate
    from grassroots.engine.sensitivity import rank_intervals

    catalogue, scheme = _catalogue_and_scheme()
    period = _periods()[-1]
    units = read_units_file(folder / "units.csv")
    cases = read_cases(folder, units=set(units["unit_code"]))
    periods = [period.previous(), period] if scheme.uses_last_period else [period]
    elements = compute_elements(cases, catalogue, periods)
    values = compute_indicators(elements, catalogue, codes=scheme.indicator_codes())
    clock = Clock()
    with clock.part("nominal"):
        evaluate(values, units, scheme, period.key)
    with clock.part("replications"):
        intervals = rank_intervals(values, units, scheme, period.key, n=reps, seed=1)
    return {
        "times": clock.times,
        "reps": reps,
        "units": int(units.shape[0]),
        "rows": len(intervals),
    }


class PeakSampler:
    """Peak resident memory of this process and all its children (Spark's JVM is a child),
    sampled every 50 ms in a thread."""

    def __init__(self) -> None:
        import threading

        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(0.05)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 1024**3


def part_executor(folder: Path, executor: str) -> dict[str, Any]:
    import hashlib

    from grassroots.engine.cases import read_cases
    from grassroots.engine.compute import compute_elements
    from grassroots.engine.pipeline import read_units_file

    sampler = PeakSampler()
    clock = Clock()
    catalogue, _ = _catalogue_and_scheme()
    periods = _periods()
    if executor == "spark":
        from grassroots.engine.spark import spark_session

        with clock.part("spark_start"):
            spark_session().sql("SELECT 1").collect()
    with clock.part("read_cases"):
        units = read_units_file(folder / "units.csv")
        cases = read_cases(folder, units=set(units["unit_code"]))
    with clock.part("elements"):
        elements = compute_elements(cases, catalogue, periods, executor=executor)
    frame = elements.sort_values(["unit_code", "period", "element"]).reset_index(drop=True)
    digest = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
    totals = elements.groupby("element")["value"].sum()
    peak = sampler.stop()
    return {
        "times": clock.times, "totals": _plain(totals), "digest": digest, "values": len(frame),
        "peak_tree_gb": peak,
    }  # fmt: skip


def report_executors(results: dict[str, dict[str, Any]], counts: dict[str, int]) -> int:
    print()
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"{'executor':<10} {'step':<12} {'seconds':>9} {'peak GB (with children)':>24}")
    for name, res in results.items():
        if "error" in res:
            print(f"{name:<10} ERROR: {' | '.join(res['error'])}")
            continue
        for step, seconds in res["times"].items():
            print(f"{name:<10} {step:<12} {seconds:9.2f}")
        print(f"{name:<10} {'peak':<12} {'':>9} {res['peak_tree_gb']:24.2f}")
    digests = {n: r.get("digest") for n, r in results.items()}
    values = {n: r.get("values") for n, r in results.items()}
    same = len(set(digests.values())) == 1 and None not in digests.values()
    print(
        "element values: "
        + ("IDENTICAL" if same else "DIFFERENT")
        + " ("
        + ", ".join(f"{n}: {values[n]} values, sha256 {str(d)[:12]}" for n, d in digests.items())
        + ")"
    )
    return 0 if same else 1


def _plain(totals: Any) -> dict[str, float]:
    return {str(k): float(v) for k, v in totals.items()}


# ----------------------------------------------------------------------------- driver


def run_part(name: str, folder: Path, reps: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--part", name, "--data", str(folder), "--reps", str(reps)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        if proc.returncode < 0:  # a signal: SIGKILL is usually the kernel's OOM killer
            signal = -proc.returncode
            lines.append(
                f"killed by signal {signal}" + (" (out of memory?)" if signal == 9 else "")
            )
        return {"error": lines}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_with_startup"] = time.perf_counter() - started
    return result


def child(name: str, folder: Path, reps: int) -> None:
    if name.startswith("executor-"):
        result = part_executor(folder, name.removeprefix("executor-"))
        result["peak_gb"] = peak_rss_gb()
        print(json.dumps(result))
        return
    parts: dict[str, Callable[[], dict[str, Any]]] = {
        "engine": lambda: part_engine(folder),
        "pandas": lambda: part_pandas(folder),
        "duckdb": lambda: part_duckdb(folder),
        "polars": lambda: part_polars(folder),
        "sensitivity": lambda: part_sensitivity(folder, reps=reps),
    }
    result = parts[name]()
    result["peak_gb"] = peak_rss_gb()
    print(json.dumps(result))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(results: dict[str, dict[str, Any]], counts: dict[str, int]) -> int:
    print()
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"{'part':<12} {'step':<12} {'seconds':>9} {'CPU s':>9} {'peak GB':>8}")
    for name, res in results.items():
        if "error" in res:
            print(f"{name:<12} ERROR: {' | '.join(res['error'])}")
            continue
        cpu = res.get("cpu", {})
        for step, seconds in res["times"].items():
            used = f"{cpu[step]:9.2f}" if step in cpu else f"{'':>9}"
            print(f"{name:<12} {step:<12} {seconds:9.2f} {used} {res['peak_gb']:8.2f}")
        total = sum(res["times"].values())
        print(f"{name:<12} {'total':<12} {total:9.2f}")
    print(_agreement(results))
    driver, parts = peak_rss_gb(), peak_rss_gb(resource.RUSAGE_CHILDREN)
    print(f"peak RSS of the driver {driver:.2f} GB, of the largest part {parts:.2f} GB")
    print()
    failed = 0
    for label, measured, target, ok in _ratios(results):
        failed += ok is False
        mark = "" if ok is None else verdict(ok)
        print(f"{label:<58} {measured:>8}  target {target:<8} {mark}")
    return 1 if failed else 0


def _agreement(results: dict[str, dict[str, Any]]) -> str:
    """Whether every part computed the same element totals as the engine (a wrong floor is
    no floor)."""
    base = results.get("engine", {}).get("totals")
    if not base:
        return "element totals: no engine result to compare"
    lines = []
    for name, res in results.items():
        other = res.get("totals")
        if name == "engine" or not other:
            continue
        differ = [
            f"{k} {other.get(k, 0.0):.0f} vs {v:.0f}"
            for k, v in base.items()
            if abs(other.get(k, 0.0) - v) > 1e-6 * max(1.0, abs(v))
        ]
        lines.append(f"{name}: {'same' if not differ else 'DIFFERENT ' + ', '.join(differ)}")
    return "element totals vs engine: " + "; ".join(lines)


Ratio = tuple[str, str, str, bool | None]  # label, measured, target, passed (None: information)


def _ratios(results: dict[str, dict[str, Any]]) -> list[Ratio]:
    def t(name: str, *steps: str) -> float | None:
        times: dict[str, float] | None = results.get(name, {}).get("times")
        if not times:
            return None
        return sum(times[s] for s in steps) if steps else sum(times.values())

    rows: list[Ratio] = []
    engine = t("engine", "elements", "indicators", "scores")
    pandas_total = t("pandas")
    checked = t("engine")
    if engine and pandas_total and checked:
        speedup = pandas_total / engine
        target = f">= {TARGET_PANDAS_SPEEDUP:g}x"
        rows.append(
            (
                "engine vs pandas: elements+indicators+scores, 8 quarters",
                f"{speedup:.1f}x",
                target,
                speedup >= TARGET_PANDAS_SPEEDUP,
            )
        )
        rows.append(
            (
                "  the same with read_cases' validation counted too",
                f"{pandas_total / checked:.1f}x",
                "-",
                None,
            )
        )
    scores, pandas_scores = t("engine", "scores"), t("pandas", "scores")
    if scores and pandas_scores:
        ratio = scores / pandas_scores
        rows.append(
            (
                "engine scoring / pandas scoring, 8 quarters",
                f"{ratio:.2f}x",
                f"<= {TARGET_SCORING_RATIO:g}x",
                ratio <= TARGET_SCORING_RATIO,
            )
        )
    floors = [x for x in (t("duckdb"), t("polars")) if x]
    compute_only, with_checks = t("engine", "elements"), t("engine", "read_cases", "elements")
    if floors and compute_only and with_checks:
        ratio = with_checks / min(floors)
        rows.append(
            (
                "engine read_cases + compute_elements vs the faster floor",
                f"{ratio:.2f}x",
                f"<= {TARGET_FLOOR_RATIO:g}x",
                ratio <= TARGET_FLOOR_RATIO,
            )
        )
        rows.append(
            (
                "  compute_elements alone (no validation) vs the faster floor",
                f"{compute_only / min(floors):.2f}x",
                "-",
                None,
            )
        )
        cpu = {n: results.get(n, {}).get("cpu", {}) for n in ("engine", "duckdb", "polars")}
        cpu_floors = [sum(cpu[n].values()) for n in ("duckdb", "polars") if cpu[n]]
        cpu_engine = sum(cpu["engine"].get(s, 0.0) for s in ("read_cases", "elements"))
        if cpu_floors and cpu_engine:
            rows.append(
                (
                    "  the same in CPU seconds (every thread) vs the floor's",
                    f"{cpu_engine / min(cpu_floors):.2f}x",
                    "-",
                    None,
                )
            )
    engine_peak = results.get("engine", {}).get("peak_gb")
    if engine_peak is not None:
        rows.append(
            (
                "peak memory of the engine part",
                f"{engine_peak:.2f} GB",
                f"< {TARGET_PEAK_GB:g} GB",
                engine_peak < TARGET_PEAK_GB,
            )
        )
    nominal, reps = t("sensitivity", "nominal"), t("sensitivity", "replications")
    if nominal and reps:
        ratio = reps / nominal
        n = results["sensitivity"].get("reps")
        rows.append(
            (
                f"sensitivity {n} replications / one nominal pass",
                f"{ratio:.1f}x",
                f"< {TARGET_SENSITIVITY_RATIO:g}x",
                ratio < TARGET_SENSITIVITY_RATIO,
            )
        )
    return rows  # fmt: skip


def figures(quick: bool) -> list[Any]:
    """Issue 20's engine rows for ``benchmarks/all.py`` (protocol: ``benchmarks/figures.py``).

    ``quick``: Shandong (the province rows; the national ones SKIP). Otherwise also the nation
    at ``GRASSROOTS_BENCH_NATION_SCALE`` (default 20, the issue's size) for the element rows."""
    import os

    from figures import (  # type: ignore[import-not-found]
        ELEMENTS_NATION_PEAK,
        ELEMENTS_NATION_VS_FLOOR,
        PROVINCE_VS_PANDAS,
        SCORING_VS_PANDAS,
        SENSITIVITY,
        Figure,
    )

    load = f"load average {os.getloadavg()[0]:.1f} at start"
    province = data_dir(True)
    ensure_data(province, small=True, scale=20.0)
    local = {n: run_part(n, province, 1000) for n in ("engine", "pandas", "sensitivity")}
    ratios = {label.strip(): value for label, value, _, _ in _ratios(local)}
    out = []

    def number(label: str) -> float | None:
        text = ratios.get(label)
        return float(text.rstrip("x")) if text else None

    note = f"Shandong, 8 quarters, one run; {load}"
    out.append(
        Figure(PROVINCE_VS_PANDAS, number("engine vs pandas: elements+indicators+scores, 8 quarters"),
               "x", ">=", TARGET_PANDAS_SPEEDUP, note)
    )  # fmt: skip
    out.append(
        Figure(SCORING_VS_PANDAS, number("engine scoring / pandas scoring, 8 quarters"), "x",
               "<=", TARGET_SCORING_RATIO, note + " (engine seconds / pandas seconds)")
    )  # fmt: skip
    out.append(
        Figure(SENSITIVITY, number(f"sensitivity {1000} replications / one nominal pass"), "x",
               "<", TARGET_SENSITIVITY_RATIO, "Shandong, last quarter; " + load)
    )  # fmt: skip
    if quick:
        why = "national pass: run benchmarks/all.py without --quick"
        out.append(Figure(ELEMENTS_NATION_VS_FLOOR, None, "x", "<=", TARGET_FLOOR_RATIO, why))
        out.append(Figure(ELEMENTS_NATION_PEAK, None, "GB", "<", TARGET_PEAK_GB, why))
        return out
    scale = float(os.environ.get("GRASSROOTS_BENCH_NATION_SCALE", "20"))
    nation = data_dir(False, scale)
    ensure_data(nation, small=False, scale=scale)
    national = {n: run_part(n, nation, 1000) for n in ("engine", "duckdb", "polars")}
    ratios = {label.strip(): value for label, value, _, _ in _ratios(national)}
    note = f"nation at --scale {scale:g}, 8 quarters, one run; {load}"
    cpu = ratios.get("the same in CPU seconds (every thread) vs the floor's")
    if cpu:  # what a busy shared machine distorts least
        note += f"; in CPU seconds {cpu}"
    out.append(
        Figure(ELEMENTS_NATION_VS_FLOOR,
               number("engine read_cases + compute_elements vs the faster floor"), "x", "<=",
               TARGET_FLOOR_RATIO, note)
    )  # fmt: skip
    peak = national.get("engine", {}).get("peak_gb")
    out.append(Figure(ELEMENTS_NATION_PEAK, peak, "GB", "<", TARGET_PEAK_GB, note))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", action="store_true", help="one province instead of the nation")
    parser.add_argument(
        "--size",
        choices=tuple(SIZES),
        default="nation",
        help="nation (--scale, default 20), province (= --small) or tiny (the nation at scale "
        f"{SIZES['tiny']:g}: every unit, few rows)",
    )
    parser.add_argument(
        "--executors",
        help="compare element executors instead of the parts, e.g. duckdb,spark",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=20.0,
        help="generator --scale for the nation (20: ~21M event rows, 91M rows in all)",
    )
    parser.add_argument("--reps", type=int, default=1000, help="sensitivity replications")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated subset to run")
    parser.add_argument("--data", type=Path, help="use this generated folder")
    parser.add_argument(
        "--part", choices=PARTS + tuple(f"executor-{e}" for e in EXECUTORS), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    small = args.small or args.size == "province"
    scale = SIZES["tiny"] if args.size == "tiny" else args.scale
    folder = args.data or data_dir(small, scale)
    if args.part:
        child(args.part, folder, args.reps)
        return 0
    ensure_data(folder, small=small, scale=scale)
    counts = describe(folder)
    if args.executors:
        chosen = [e.strip() for e in args.executors.split(",") if e.strip()]
        unknown = set(chosen) - set(EXECUTORS)
        if unknown:
            parser.error(f"unknown executors: {', '.join(sorted(unknown))}")
        runs = {}
        for name in chosen:
            print(f"running executor {name} ...", flush=True)
            runs[name] = run_part(f"executor-{name}", folder, args.reps)
        return report_executors(runs, counts)
    results = {}
    for name in args.parts.split(","):
        print(f"running {name} ...", flush=True)
        results[name] = run_part(name, folder, args.reps)
    return report(results, counts)


if __name__ == "__main__":
    sys.exit(main())
