"""Catalogues: data elements and the indicators computed from them, written in YAML.

The language is documented in ``docs/catalogue.md``. Loading validates the structure with
pydantic and every expression with SQLGlot, and raises one InputError listing every problem,
each with its YAML path (``spp-case-quality.yaml: indicators[3].numerator``).

>>> cat = load_catalogue("cepej")
>>> sorted(cat.indicators)
['case_turnover', 'clearance_rate', 'disposition_time']
>>> cat.expanded("clearance_rate")
('resolved', 'incoming')
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from grassroots.engine import expressions
from grassroots.engine.caseformat import TABLES
from grassroots.engine.errors import InputError, Problem
from grassroots.engine.yaml_models import SAFE_LOADER, safe_load

CATALOGUE_DIR = Path(__file__).parent / "catalogues"
_CODE = r"^[a-z][a-z0-9_]*$"


class MeasureKind(StrEnum):
    COUNT = "count"
    COUNT_DISTINCT = "count_distinct"
    SUM = "sum"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    RANGE = "range"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Measure(_Strict):
    """``count`` (rows), ``{count_distinct: COLUMN}`` or ``{sum: COLUMN}``."""

    kind: MeasureKind
    column: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"kind": data}
        if isinstance(data, dict) and len(data) == 1 and "kind" not in data:
            ((kind, column),) = data.items()
            return {"kind": kind, "column": column}
        return data

    @model_validator(mode="after")
    def _column_matches_kind(self) -> Measure:
        if (self.kind is MeasureKind.COUNT) != (self.column is None):
            raise ValueError("use 'count', or {count_distinct: COLUMN} or {sum: COLUMN}")
        return self


class Rule(_Strict):
    table: str
    filter: str = "TRUE"
    measure: Measure
    date: str


class Element(_Strict):
    code: str = Field(pattern=_CODE)
    name_zh: str
    name_en: str
    description: str = ""
    rule: Rule | None = None
    reported: bool = False
    # Supplied by a registered element source of the apps (the roster's staff figures, the
    # library's counts, supervision's measures), read when a run gathers its inputs.
    source: str | None = Field(default=None, pattern=_CODE)
    min: float | None = None
    max: float | None = None
    unit: str = ""

    @model_validator(mode="after")
    def _rule_or_reported(self) -> Element:
        if sum((self.rule is not None, self.reported, self.source is not None)) != 1:
            raise ValueError("an element has exactly one of a rule, 'reported: true' or a 'source'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is larger than max")
        return self

    @property
    def lowest(self) -> float | None:
        """The smallest allowed value: counts computed by a rule are never negative."""
        return self.min if self.min is not None or self.rule is None else 0.0


class Derived(_Strict):
    """A named expression over elements, reusable in indicator expressions (e.g. 案 ``cases``)."""

    code: str = Field(pattern=_CODE)
    name_zh: str
    name_en: str
    expression: str
    description: str = ""


class Indicator(_Strict):
    code: str = Field(pattern=_CODE)
    name_zh: str
    name_en: str
    numerator: str
    denominator: str
    factor: float = 1.0
    direction: Direction
    low: float | None = None
    high: float | None = None
    unit: str = ""
    line: str = ""
    subset: bool = False  # the numerator counts a subset of the denominator: num <= den
    description: str = ""

    @model_validator(mode="after")
    def _range_has_bounds(self) -> Indicator:
        if self.direction is Direction.RANGE and (self.low is None or self.high is None):
            raise ValueError("direction 'range' needs 'low' and 'high'")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("low is larger than high")
        return self


class CatalogueFile(_Strict):
    name: str
    name_zh: str
    name_en: str
    description: str = ""
    version: str = "1"
    elements: list[Element]
    derived: list[Derived] = []
    indicators: list[Indicator]


@dataclass(frozen=True)
class Catalogue:
    name: str
    name_zh: str
    name_en: str
    version: str
    elements: dict[str, Element]
    derived: dict[str, Derived]
    indicators: dict[str, Indicator]

    def expanded(self, indicator: str) -> tuple[str, str]:
        """Numerator and denominator with derived codes replaced by their expressions."""
        definitions = {code: d.expression for code, d in self.derived.items()}
        ind = self.indicators[indicator]
        return (
            expressions.substitute(ind.numerator, definitions),
            expressions.substitute(ind.denominator, definitions),
        )

    def elements_of(self, indicator: str) -> set[str]:
        numerator, denominator = self.expanded(indicator)
        return expressions.columns_of(
            expressions.parse(numerator, source=indicator)
        ) | expressions.columns_of(expressions.parse(denominator, source=indicator))


def list_catalogues() -> list[str]:
    """Names of the shipped catalogues."""
    return sorted(path.stem for path in CATALOGUE_DIR.glob("*.yaml"))


def _registered(name: object) -> Path:
    """The shipped file of a registered catalogue name; never a path the caller made up.

    A name is looked up in the list of shipped names, so ``/etc/passwd``, ``../x.yaml`` or
    ``/dev/zero`` are refused without touching the file system, and the refusal says nothing
    about it.
    """
    known = list_catalogues()
    if isinstance(name, str) and name in known:
        return CATALOGUE_DIR / f"{name}.yaml"
    hint = expressions.did_you_mean(name, known) if isinstance(name, str) and is_name(name) else ""
    message = f"no such catalogue{hint}; registered catalogues: {', '.join(known)}"
    raise InputError([Problem("catalogue", None, None, message)])


def is_name(text: str) -> bool:
    """A registered name's shape: lower-case letters, digits, '-' and '_' (no '/', no '.')."""
    return re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", text) is not None


def load_catalogue(name: str) -> Catalogue:
    """Load and check a registered catalogue by name (``spp-case-quality``); never a path."""
    path = _registered(name)
    return _load_shipped(path.read_text(encoding="utf-8"), path.name)


@functools.lru_cache(maxsize=16)
def _load_shipped(text: str, label: str) -> Catalogue:
    # Keyed on the text: an edited file is parsed again. A national import asks for the shipped
    # catalogue once per province (each checking every filter with SQLGlot): parsed once here.
    return _load(text, label)


def read_catalogue_file(path: Path) -> Catalogue:
    """Load and check a catalogue YAML file the operator names (the CLI's ``catalogue check``)."""
    label = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError([Problem(label, None, None, f"cannot read: {error.strerror}")]) from None
    except UnicodeDecodeError:
        raise InputError([Problem(label, None, None, "cannot read: not UTF-8 text")]) from None
    return _load(text, label)


def parse_catalogue(text: str, *, label: str = "catalogue.yaml") -> Catalogue:
    """A catalogue from its YAML text (a stored version); InputError lists every problem."""
    return _load(text, label)


def _load(text: str, label: str) -> Catalogue:
    data = _read_yaml(text, label)
    try:
        parsed = CatalogueFile.model_validate(data)
    except ValidationError as error:
        problems = _pydantic_problems(error, label)
        raise InputError(with_lines(problems, _compose(text))) from None
    problems = list(_check(parsed, label))
    if problems:
        raise InputError(with_lines(problems, _compose(text)))
    return Catalogue(
        name=parsed.name,
        name_zh=parsed.name_zh,
        name_en=parsed.name_en,
        version=parsed.version,
        elements={e.code: e for e in parsed.elements},
        derived={d.code: d for d in parsed.derived},
        indicators={i.code: i for i in parsed.indicators},
    )


def _compose(text: str) -> yaml.Node | None:
    """The YAML's nodes, with each value's line for the problems' row (only on a problem)."""
    return yaml.compose(text, Loader=SAFE_LOADER)


def _read_yaml(text: str, label: str) -> Any:
    try:
        return safe_load(text)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        raise InputError(
            [Problem(label, line, None, f"malformed YAML: {error.problem or error}")]
        ) from None
    except yaml.YAMLError as error:
        raise InputError([Problem(label, None, None, f"malformed YAML: {error}")]) from None


def with_lines(problems: Iterable[Problem], root: yaml.Node | None) -> list[Problem]:
    """Problems with ``row`` set to the YAML line of the value their path names."""
    return [replace(p, row=_line(root, p.source.partition(": ")[2])) for p in problems]


def _line(root: yaml.Node | None, path: str) -> int | None:
    node = root
    for part in re.findall(r"[^.\[\]]+", path):
        if isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
        elif isinstance(node, yaml.MappingNode):
            found = [v for k, v in node.value if getattr(k, "value", None) == part]
            if not found:
                break  # a missing key: point at the mapping that lacks it
            node = found[0]
        else:
            break
    return node.start_mark.line + 1 if node is not None else None


def yaml_path(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _pydantic_problems(error: ValidationError, label: str) -> list[Problem]:
    problems = []
    for detail in error.errors():
        # Union/validator internals ("function-after[...]") are noise in a user's YAML path.
        loc = [p for p in detail["loc"] if not (isinstance(p, str) and "[" in p)]
        message = detail["msg"].removeprefix("Value error, ")
        problems.append(Problem(f"{label}: {yaml_path(loc)}", None, None, message))
    return problems


def _check(parsed: CatalogueFile, label: str) -> Iterable[Problem]:
    yield from _duplicates(parsed, label)
    for index, element in enumerate(parsed.elements):
        if element.rule is not None:
            yield from _check_rule(element.rule, f"{label}: elements[{index}].rule")
    known = {e.code for e in parsed.elements}
    for index, derived in enumerate(parsed.derived):
        yield from expressions.check_arithmetic(
            derived.expression, known, source=f"{label}: derived[{index}].expression"
        )
        known.add(derived.code)  # only earlier definitions: no cycles
    for index, indicator in enumerate(parsed.indicators):
        for part in ("numerator", "denominator"):
            yield from expressions.check_arithmetic(
                getattr(indicator, part), known, source=f"{label}: indicators[{index}].{part}"
            )


def _duplicates(parsed: CatalogueFile, label: str) -> Iterable[Problem]:
    seen: Counter[str] = Counter()
    for section, codes in (
        ("elements", [e.code for e in parsed.elements]),
        ("derived", [d.code for d in parsed.derived]),
        ("indicators", [i.code for i in parsed.indicators]),
    ):
        # Element and derived codes share one namespace: both appear in expressions.
        if section == "indicators":
            seen = Counter()
        for index, code in enumerate(codes):
            seen[code] += 1
            if seen[code] > 1:
                yield Problem(
                    f"{label}: {section}[{index}].code", None, None, f"duplicate code '{code}'"
                )


def _check_rule(rule: Rule, source: str) -> Iterable[Problem]:
    table = TABLES.get(rule.table)
    if table is None:
        hint = expressions.did_you_mean(rule.table, TABLES)
        yield Problem(f"{source}.table", None, None, f"unknown table '{rule.table}'{hint}")
        return
    yield from expressions.check_filter(rule.filter, table.columns, source=f"{source}.filter")
    date = table.columns.get(rule.date)
    if date is None or date.kind != "date":
        dates = [c.name for c in table.columns.values() if c.kind == "date"]
        hint = expressions.did_you_mean(rule.date, dates)
        yield Problem(
            f"{source}.date",
            None,
            None,
            f"'{rule.date}' is not a date column of {table.name}{hint}",
        )
    column = rule.measure.column
    if column is not None and column not in table.columns:
        hint = expressions.did_you_mean(column, table.columns)
        yield Problem(
            f"{source}.measure", None, None, f"unknown column '{column}' in {table.name}{hint}"
        )
    elif (
        column is not None
        and rule.measure.kind is MeasureKind.SUM
        and table.columns[column].kind != "int"
    ):
        yield Problem(f"{source}.measure", None, None, f"cannot sum non-numeric '{column}'")
