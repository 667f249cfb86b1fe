"""From values to a long-form evaluation result, and the file adapter behind ``grassroots evaluate``.

The engine takes values: ``evaluate_values`` (and ``prepare_values``) take a parsed ``Scheme``,
its ``Catalogue`` and pandas or Arrow frames of element or indicator values and units. Reading
files is an adapter at the edge (``evaluate_source`` / ``prepare``, used by the CLI), with three
ways in, each skipping the steps its input has already done::

    cases folder   ─ read_cases ─ compute_elements ─┐
    elements file  ─────────────────────────────────┴ compute_indicators ─┐
    indicators file + units file ─────────────────────────────────────────┴ evaluate ─ result

With --indicators the scheme may be any composite index (a YAML file whose indicators belong to
no catalogue); with cases or elements the scheme names the catalogue that defines its indicators.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeAlias, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa

from grassroots.engine.cases import CaseTables, read_cases
from grassroots.engine.catalogue import Catalogue, load_catalogue
from grassroots.engine.compute import compute_elements
from grassroots.engine.errors import InputError, Problem
from grassroots.engine.indicators import compute_indicators
from grassroots.engine.inputs import (
    detect_encoding,
    read_element_values,
    read_indicator_values,
    read_units,
)
from grassroots.engine.outputs import order_columns
from grassroots.engine.periods import Period
from grassroots.engine.scheme import Scheme, load_scheme, read_scheme_file
from grassroots.engine.scoring import evaluate

T = TypeVar("T")
UNITS_FILE = "units.csv"
INTERVAL_COLUMNS = ("rank_q05", "rank_median", "rank_q95", "colour_share")


@dataclass(frozen=True)
class Source:
    """Where the data comes from: exactly one of cases, elements, indicators (+ units)."""

    cases: Path | None = None
    elements: Path | None = None
    indicators: Path | None = None
    units: Path | None = None

    def __post_init__(self) -> None:
        given = [x for x in (self.cases, self.elements, self.indicators) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of cases, elements, indicators")
        if self.indicators is not None and self.units is None:
            raise ValueError("indicator values need a units file")


def evaluate_source(
    *,
    scheme: str | Path,
    period: str,
    source: Source,
    sensitivity: int = 0,
    seed: int = 0,
) -> pd.DataFrame:
    """Evaluate the units of ``source`` for ``period`` against ``scheme``.

    Returns the long-form result in contract column order (see outputs.RESULT_COLUMNS), with the
    rank interval columns filled when ``sensitivity`` > 0. Raises InputError listing every
    problem found in the inputs.
    """
    inputs = prepare(scheme=scheme, period=period, source=source)
    return score(inputs, sensitivity=sensitivity, seed=seed)


@dataclass(frozen=True)
class Prepared:
    """Everything scoring needs: indicator values (all periods read), units, scheme, period."""

    indicator_values: pd.DataFrame
    units: pd.DataFrame
    scheme: Scheme
    period: Period


def prepare(
    *,
    scheme: str | Path | Scheme,
    period: str,
    source: Source,
    catalogue: Catalogue | None = None,
) -> Prepared:
    """Read and check the inputs, computing elements and indicators as the source needs.

    ``catalogue``: for a parsed ``scheme``, the catalogue to compute with (a stored version);
    default: the registered catalogue the scheme names.

    Every input is checked before anything is computed, so one InputError lists the problems
    of the period, the scheme, the units file and the data file together.
    """
    problems: list[Problem] = []
    the_period = _collect(problems, lambda: parse_period(period))
    if source.indicators is not None:
        if isinstance(scheme, Scheme):
            raise ValueError("indicator values in memory go to prepare_values")
        values, units, the_scheme = _from_indicators(source, scheme, problems)
        elements, catalogue = None, None
    else:
        elements, units, the_scheme, catalogue = _from_records(
            source, scheme, the_period, problems, catalogue
        )
        values = None
    if problems or the_period is None:
        raise InputError(problems)
    return prepare_values(
        scheme=the_scheme,
        catalogue=catalogue,
        period=the_period,
        units=units,
        elements=elements,
        indicators=values,
    )


Frame: TypeAlias = pd.DataFrame | pa.Table  # noqa: UP040 (Python 3.11)
ELEMENT_COLUMNS = ("unit_code", "period", "element", "value")
INDICATOR_COLUMNS = ("unit_code", "period", "indicator", "value")
UNIT_COLUMNS = ("unit_code", "name", "peer_group")


def evaluate_values(
    *,
    scheme: Scheme,
    catalogue: Catalogue | None,
    period: str | Period,
    units: Frame,
    elements: Frame | None = None,
    indicators: Frame | None = None,
    sensitivity: int = 0,
    seed: int = 0,
) -> pd.DataFrame:
    """The long-form result for ``period`` from values in memory: no file is read or written.

    Give exactly one of ``elements`` (``unit_code, period, element, value``; the catalogue
    computes the scheme's indicators from them) or ``indicators`` (``unit_code, period,
    indicator, value``). ``units``: ``unit_code, name, peer_group[, parent]``. Frames are pandas
    or Arrow; columns beyond these are ignored. Raises InputError naming what is wrong.

    >>> from grassroots.engine.scheme import load_scheme
    >>> values = pd.DataFrame({"unit_code": ["a", "b", "a", "b"], "period": "2024",
    ...     "indicator": ["clearance_rate", "clearance_rate", "disposition_time",
    ...     "disposition_time"], "value": [90.0, 110.0, 300.0, 200.0]})
    >>> units = pd.DataFrame({"unit_code": ["a", "b"], "name": ["a", "b"], "peer_group": "c"})
    >>> r = evaluate_values(scheme=load_scheme("cepej"), catalogue=None, period="2024",
    ...                     units=units, indicators=values)
    >>> r[r.node == "cepej"][["unit_code", "rank_peer"]].values.tolist()
    [['a', 2], ['b', 1]]
    """
    inputs = prepare_values(
        scheme=scheme,
        catalogue=catalogue,
        period=period,
        units=units,
        elements=elements,
        indicators=indicators,
    )
    return score(inputs, sensitivity=sensitivity, seed=seed)


def prepare_values(
    *,
    scheme: Scheme,
    catalogue: Catalogue | None,
    period: str | Period,
    units: Frame,
    elements: Frame | None = None,
    indicators: Frame | None = None,
) -> Prepared:
    """What ``score`` needs, from values in memory (see ``evaluate_values``)."""
    if (elements is None) == (indicators is None):
        raise ValueError("give exactly one of elements, indicators")
    the_period = period if isinstance(period, Period) else parse_period(period)
    composite(scheme, scheme.name)
    unit_frame = _columns(units, "units", UNIT_COLUMNS)
    if "parent" not in unit_frame.columns:
        unit_frame["parent"] = None
    if indicators is not None:
        values = _columns(indicators, "indicator values", INDICATOR_COLUMNS)
        return Prepared(values, unit_frame, scheme, the_period)
    if catalogue is None:
        message = "element values need the catalogue that defines the scheme's indicators"
        raise InputError([Problem(f"{_label(scheme.name)}: catalogue", None, None, message)])
    element_frame = _columns(elements, "element values", ELEMENT_COLUMNS)
    values = compute_indicators(element_frame, catalogue, codes=scheme.indicator_codes())
    return Prepared(values, unit_frame, scheme, the_period)


def _columns(frame: Frame, what: str, required: Sequence[str]) -> pd.DataFrame:
    """``frame`` as pandas with text codes and float values; InputError names missing columns."""
    table: pd.DataFrame = frame.to_pandas() if isinstance(frame, pa.Table) else frame.copy()
    missing = [c for c in required if c not in table.columns]
    if missing:
        message = f"missing required column(s): {', '.join(missing)}"
        raise InputError([Problem(what, None, None, message)])
    for column in required:
        if column != "value":
            table[column] = table[column].astype(str)
    if "value" in required:
        numbers = pd.to_numeric(table["value"], errors="coerce")
        bad = numbers.isna() & table["value"].notna()
        if bad.any():
            row = int(bad.to_numpy().argmax()) + 1
            message = f"{table['value'][bad].iloc[0]!r} is not a number"
            raise InputError([Problem(what, row, "value", message)])
        table["value"] = numbers.astype(float)
        table = table[table["value"].notna()]
    extra = [c for c in table.columns if c not in required and c != "parent"]
    return table.drop(columns=extra).reset_index(drop=True)


def _from_records(
    source: Source,
    scheme: str | Path | Scheme,
    period: Period | None,
    problems: list[Problem],
    catalogue: Catalogue | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, Scheme, Catalogue]:
    """Element values from case records or an element-values file, and the units."""
    loaded = _collect(problems, lambda: _scheme_and_catalogue(scheme, catalogue))
    given = _collect(problems, lambda: _given_units(source))
    if loaded is None or period is None or problems:
        # Still check the data file, so its problems are listed with the others.
        _collect(problems, lambda: _elements(source, None, [], given))
        raise InputError(problems)
    the_scheme, chosen = loaded
    elements, codes = _elements(source, chosen, periods_needed(the_scheme, period), given)
    units = given if given is not None else derive_units(codes)
    return elements, units, the_scheme, chosen


def score(inputs: Prepared, *, sensitivity: int = 0, seed: int = 0) -> pd.DataFrame:
    """Scores, ranks and colours for the period; rank intervals when ``sensitivity`` > 0."""
    key = inputs.period.key
    values = values_for(inputs.indicator_values, inputs.scheme, inputs.period)
    result = evaluate(values, inputs.units, inputs.scheme, key)
    if sensitivity > 0:
        # Imported only when asked for: the Monte-Carlo machinery is not needed otherwise.
        from grassroots.engine.scheme import Within
        from grassroots.engine.sensitivity import rank_intervals

        # The interval is of `rank_all` (among all the units evaluated: the province), the rank
        # pages show it beside and that weak-unit rules read ("bottom third of the province").
        intervals = rank_intervals(
            values, inputs.units, inputs.scheme, key, n=sensitivity, seed=seed, within=Within.ALL
        )
        result = attach_intervals(result, intervals)
    return order_columns(result)


def values_for(values: pd.DataFrame, scheme: Scheme, period: Period) -> pd.DataFrame:
    """The indicator values scoring ``period`` reads: that period's rows only, unless the
    scheme imputes from earlier periods (then all of them, as evaluate picks the latest).

    Slicing here matters for speed: evaluate filters the frame it is given on every call, and
    a file or benchmark holding eight quarters made each call three times slower.
    """
    if scheme.uses_last_period:
        return values
    return values[values["period"] == period.key]


def _collect(problems: list[Problem], step: Callable[[], T]) -> T | None:
    """Run ``step``; on InputError keep its problems and go on, so all inputs get checked."""
    try:
        return step()
    except InputError as exc:
        problems.extend(exc.problems)
        return None


def parse_period(text: str) -> Period:
    """The period, or an InputError naming the --period argument."""
    try:
        return Period.parse(text)
    except InputError as exc:
        raise InputError([replace(p, source="--period") for p in exc.problems]) from None
    except ValueError as exc:
        raise InputError([Problem("--period", None, None, f"{text!r}: {exc}")]) from None


def _from_indicators(
    source: Source, scheme: str | Path, problems: list[Problem]
) -> tuple[pd.DataFrame, pd.DataFrame, Scheme]:
    values_path, units_path = source.indicators, source.units
    if values_path is None or units_path is None:
        raise ValueError("indicator values need a units file")  # Source checks this already
    first = composite(load_scheme_safely(scheme), scheme)
    catalogue = scheme_catalogue(first, scheme) if first.catalogue is not None else None
    units = _collect(problems, lambda: read_units_file(units_path))
    known = set(units["unit_code"]) if units is not None else None
    values = _collect(
        problems, lambda: read_indicator_values(values_path, catalogue=catalogue, units=known)
    )
    if problems or values is None or units is None:
        raise InputError(problems)
    # A free-standing scheme's indicators are whatever the file holds: a leaf naming none of
    # them is a typo in the scheme, reported with its YAML path.
    codes = set(catalogue.indicators) if catalogue else set(values["indicator"].astype(str))
    return values, units, load_scheme_safely(scheme, indicator_codes=codes)


def _scheme_and_catalogue(
    scheme: str | Path | Scheme, catalogue: Catalogue | None = None
) -> tuple[Scheme, Catalogue]:
    if isinstance(scheme, Scheme):  # parsed and checked against its catalogue by the caller
        composite(scheme, scheme.name)
        if scheme.catalogue is None:
            message = "this scheme scores no catalogue: give its indicator values"
            raise InputError([Problem(f"{_label(scheme.name)}: catalogue", None, None, message)])
        return scheme, catalogue if catalogue is not None else load_catalogue(scheme.catalogue)
    first = composite(load_scheme_safely(scheme), scheme)
    catalogue = scheme_catalogue(first, scheme)
    return first, catalogue


def _given_units(source: Source) -> pd.DataFrame | None:
    """The units file given, else units.csv beside the case tables, else None (derive them)."""
    if source.units is not None:
        return read_units_file(source.units)
    if source.cases is not None and (source.cases / UNITS_FILE).is_file():
        return read_units_file(source.cases / UNITS_FILE)
    return None


def _elements(
    source: Source,
    catalogue: Catalogue | None,
    periods: Sequence[Period],
    units: pd.DataFrame | None,
) -> tuple[pd.DataFrame, set[str]]:
    """Element values for ``periods`` and every unit code the data holds (any period).

    With no catalogue, only check the data (no values)."""
    known = set(units["unit_code"].astype(str)) if units is not None else None
    if source.elements is not None:
        values = read_element_values(source.elements, catalogue=catalogue, units=known)
        return values, set(values["unit_code"].astype(str))
    assert source.cases is not None
    cases = read_cases(source.cases, units=known)
    if catalogue is None:
        return pd.DataFrame(columns=["unit_code", "period", "element", "value"]), set()
    # A unit with records, but none in the period, is still a unit: scored as missing.
    codes = case_unit_codes(cases) if units is None else set()
    return compute_elements(cases, catalogue, periods), codes


def case_unit_codes(cases: CaseTables) -> set[str]:
    """Distinct unit codes over all case tables (reads one column of each)."""
    with duckdb.connect() as con:
        cases.register(con)
        union = " UNION ".join(f'SELECT DISTINCT unit_code FROM "{name}"' for name in cases.tables)
        return {str(row[0]) for row in con.execute(union).fetchall()}


def scheme_catalogue(scheme: Scheme, name: str | Path) -> Catalogue:
    """The catalogue defining the scheme's indicators; its leaves must all be in it."""
    if scheme.catalogue is None:
        message = (
            "this scheme scores no catalogue: give its indicator values with --indicators "
            "and --units"
        )
        raise InputError([Problem(f"{_label(name)}: catalogue", None, None, message)])
    try:
        catalogue = load_catalogue(scheme.catalogue)
    except InputError as exc:
        # A catalogue the scheme names but that does not exist is the scheme's problem.
        where = f"{_label(name)}: catalogue"
        raise InputError(
            [replace(p, source=where) if p.source == "catalogue" else p for p in exc.problems]
        ) from None
    # Loading again with the known codes reports every leaf naming an unknown indicator.
    load_scheme_safely(name, indicator_codes=set(catalogue.indicators))
    return catalogue


def load_scheme_safely(
    name_or_path: str | Path, *, indicator_codes: Collection[str] | None = None
) -> Scheme:
    """A registered scheme by name (``str``), or the operator's own file (``Path``, CLI only);
    a tree that contains itself is reported as a problem, not a crash.

    YAML aliases can make a node its own descendant (``tree: &t {children: [*t]}``); the
    validator then recurses without end.
    """
    try:
        if isinstance(name_or_path, Path):
            return read_scheme_file(name_or_path, indicator_codes=indicator_codes)
        return load_scheme(name_or_path, indicator_codes=indicator_codes)
    except RecursionError:
        message = "the tree contains a cycle (a node is its own descendant through a YAML alias)"
        raise InputError([Problem(f"{_label(name_or_path)}: tree", None, None, message)]) from None


def composite(scheme: Scheme, name: str | Path) -> Scheme:
    """The scheme, if it is a scored tree; a checklist (an exit standard) is assessed from
    several periods' results instead, not evaluated here."""
    if scheme.tree is None:
        message = (
            f"{scheme.name} is a checklist scheme: it is assessed from evaluation results "
            "(assess_checklist), not scored by evaluate"
        )
        raise InputError([Problem(_label(name), None, None, message)])
    return scheme


def _label(name: str | Path) -> str:
    return Path(name).name if Path(name).suffix in (".yaml", ".yml") else f"{name}.yaml"


def periods_needed(scheme: Scheme, period: Period, *, history: int = 1) -> list[Period]:
    """The period, preceded by ``history`` earlier ones when the scheme imputes from them.

    >>> from grassroots.engine.scheme import load_scheme
    >>> [p.key for p in periods_needed(load_scheme("cepej"), Period.parse("2024Q2"))]
    ['2024Q2']
    """
    if not scheme.uses_last_period:
        return [period]
    return [period.shift(-k) for k in range(history, 0, -1)] + [period]


def derive_units(codes: Collection[str] | pd.Series) -> pd.DataFrame:
    """Units seen in the data, each in its city's peer group (first 4 digits + "00").

    >>> derive_units(["370102", "370203", "370102"]).to_dict("list")["peer_group"]
    ['370100', '370200']
    """
    unique = sorted({str(c) for c in codes})
    cities = [c[:4] + "00" for c in unique]
    return pd.DataFrame(
        {"unit_code": unique, "name": unique, "peer_group": cities, "parent": cities}
    )


def attach_intervals(result: pd.DataFrame, intervals: pd.DataFrame) -> pd.DataFrame:
    """The result with each unit × node's rank interval (and colour share) beside it."""
    wanted = [c for c in INTERVAL_COLUMNS if c in intervals.columns]
    return result.drop(columns=[c for c in wanted if c in result.columns]).merge(
        intervals[["unit_code", "node", *wanted]],
        on=["unit_code", "node"],
        how="left",
        validate="many_to_one",
    )


# Descriptive columns that unit lists carry besides the contract's four (the generator's
# units.csv, the organisations export). They are not needed for scoring.
UNIT_CONTRACT_COLUMNS = ("unit_code", "name", "peer_group", "parent")
DESCRIPTIVE_UNIT_COLUMNS = frozenset(
    {"level", "kind", "headcount", "procurators", "under_45_share", "name_zh", "name_en"}
)
GRASSROOTS = "grassroots"


def read_units_file(path: Path) -> pd.DataFrame:
    """The units to score: ``unit_code, name, peer_group[, parent]``.

    A CSV that also describes province and city units (a ``level`` column and the descriptive
    columns above, as ``grassroots generate`` writes) is narrowed to its grassroots units, which
    are the ones evaluated; every other check is inputs.read_units', with the file's own row
    numbers.
    """
    header = _csv_header(path)
    extra = set(header) - set(UNIT_CONTRACT_COLUMNS)
    if not extra or not extra <= DESCRIPTIVE_UNIT_COLUMNS:
        return read_units(path)  # exact contract, or unknown columns for read_units to report
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=_encoding(path))
    levels = raw["level"].str.strip() if "level" in raw.columns else None
    narrowed = raw[[c for c in UNIT_CONTRACT_COLUMNS if c in raw.columns]].copy()
    if levels is not None and "peer_group" in narrowed.columns:
        # Province and city rows have no peer group; they stay (as parents), then are dropped.
        upper = (levels != GRASSROOTS) & (narrowed["peer_group"].str.strip() == "")
        narrowed.loc[upper, "peer_group"] = narrowed.loc[upper, "unit_code"]
    with tempfile.TemporaryDirectory(prefix="grassroots-units-") as tmp:
        copy = Path(tmp) / path.name
        narrowed.to_csv(copy, index=False, encoding="utf-8")
        try:
            units = read_units(copy)
        except InputError as exc:
            raise InputError([replace(p, source=path.name) for p in exc.problems]) from None
    if levels is None:
        return units
    grassroots = set(raw.loc[levels == GRASSROOTS, "unit_code"].str.strip())
    return units[units["unit_code"].isin(grassroots)].reset_index(drop=True)


def _csv_header(path: Path) -> list[str]:
    if path.suffix.lower() != ".csv":
        return []
    try:
        with path.open(encoding=_encoding(path)) as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        return []  # read_units reports it
    return [c.strip().lstrip("\ufeff") for c in first.rstrip("\r\n").split(",")]


def _encoding(path: Path) -> str:
    found = detect_encoding(path)
    return "utf-8-sig" if found == "utf-8" else found
