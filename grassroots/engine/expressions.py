"""User-written expressions, parsed with SQLGlot (DuckDB dialect) and checked before use.

Two languages:

* **filters** — a SQL boolean expression over the columns of one case table, e.g.
  ``arrest_decision = 'approved' AND NOT via_arrest_review``. Only whitelisted node types
  and functions are accepted, so the same text runs on DuckDB and Spark SQL.
* **arithmetic** — ``+ - * /``, parentheses and numbers over element codes, e.g.
  ``(cases + extra_procedures) / cases``.

A check returns a list of :class:`Problem` (never raises), so a catalogue reports every
typo at once.

>>> [p.message for p in check_arithmetic("arest_cases + 1", {"arrest_cases"}, source="x")]
["unknown element 'arest_cases' (did you mean 'arrest_cases'?)"]
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Mapping
from functools import lru_cache

import numpy as np
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from grassroots.engine.caseformat import Column
from grassroots.engine.errors import InputError, Problem

DIALECT = "duckdb"

# Node types a filter may contain. Functions are listed separately so the error can say which
# function is not allowed. Everything here has a direct Spark SQL equivalent.
_FILTER_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Tuple,
    exp.And, exp.Or, exp.Not, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is,
    exp.In, exp.Between, exp.Like, exp.ILike, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Neg,
    exp.Cast, exp.DataType, exp.Var,
)  # fmt: skip
ALLOWED_FUNCTIONS: dict[type[exp.Expression], str] = {
    exp.Coalesce: "coalesce",
    exp.Lower: "lower",
    exp.Upper: "upper",
    exp.Trim: "trim",
    exp.Length: "length",
    exp.Abs: "abs",
    exp.Year: "year",
    exp.Month: "month",
    exp.Quarter: "quarter",
    exp.DateDiff: "date_diff",
    exp.Substring: "substring",
}
_ARITHMETIC_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Paren, exp.Add, exp.Sub, exp.Mul, exp.Div,
    exp.Neg,
)  # fmt: skip


def did_you_mean(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def parse(text: str, *, source: str) -> exp.Expression:
    """Parse ``text`` or raise InputError naming ``source``.

    A new tree each call (callers may change it), copied from the first parse of the same
    text: a run parses its catalogue's expressions several times (a copy is ~4x cheaper)."""
    try:
        tree = _parsed(str(text))
    except ParseError as error:
        detail = error.errors[0]["description"] if error.errors else str(error)
        raise InputError(
            [Problem(source, None, None, f"cannot parse {text!r}: {detail}")]
        ) from None
    if not isinstance(tree, exp.Expression):
        raise InputError([Problem(source, None, None, f"empty expression {text!r}")])
    return tree.copy()


@lru_cache(maxsize=4096)
def _parsed(text: str) -> object:  # checked by parse: an Expression, or not
    return sqlglot.parse_one(text, dialect=DIALECT)


def _parse_problems(text: str, source: str) -> tuple[exp.Expression | None, list[Problem]]:
    try:
        return parse(text, source=source), []
    except InputError as error:
        return None, error.problems


def columns_of(tree: exp.Expression) -> set[str]:
    """Names of the columns (or element codes) an expression reads."""
    return {column.name for column in tree.find_all(exp.Column)}


def check_filter(text: str, columns: Mapping[str, Column], *, source: str) -> list[Problem]:
    """Problems of a filter over a table with ``columns`` (empty list: the filter is fine)."""
    tree, problems = _parse_problems(text, source)
    if tree is None:
        return problems
    for node in tree.walk():
        if isinstance(node, (*ALLOWED_FUNCTIONS, *_FILTER_NODES)):
            continue
        name = node.sql_name() if isinstance(node, exp.Func) else type(node).__name__
        allowed = ", ".join(sorted(ALLOWED_FUNCTIONS.values()))
        problems.append(
            Problem(source, None, None, f"{name} is not allowed in a filter (functions: {allowed})")
        )
    for name in sorted(columns_of(tree) - set(columns)):
        problems.append(
            Problem(source, None, None, f"unknown column '{name}'{did_you_mean(name, columns)}")
        )
    problems.extend(_category_problems(tree, columns, source))
    return problems


def _category_problems(
    tree: exp.Expression, columns: Mapping[str, Column], source: str
) -> list[Problem]:
    """A misspelt category value silently matches nothing: catch it at load time."""
    problems = []
    for node in tree.find_all(exp.EQ, exp.NEQ, exp.In):
        column = node.this if isinstance(node.this, exp.Column) else node.expression
        if not isinstance(column, exp.Column) or column.name not in columns:
            continue
        allowed = columns[column.name].values
        if not allowed:
            continue
        literals = node.expressions if isinstance(node, exp.In) else [node.expression, node.this]
        for literal in literals:
            if (
                isinstance(literal, exp.Literal)
                and literal.is_string
                and literal.this not in allowed
            ):
                hint = did_you_mean(literal.this, allowed)
                problems.append(
                    Problem(
                        source,
                        None,
                        None,
                        f"'{literal.this}' is not a value of {column.name}{hint}",
                    )
                )
    return problems


def check_arithmetic(text: str, names: Collection[str], *, source: str) -> list[Problem]:
    """Problems of an arithmetic expression over ``names`` (element or derived codes)."""
    tree, problems = _parse_problems(text, source)
    if tree is None:
        return problems
    for node in tree.walk():
        if not isinstance(node, _ARITHMETIC_NODES) or (
            isinstance(node, exp.Literal) and node.is_string
        ):
            problems.append(
                Problem(
                    source,
                    None,
                    None,
                    f"'{node.sql(dialect=DIALECT)}' is not allowed: use element codes, numbers, "
                    "+ - * / and parentheses",
                )
            )
            return problems
    for name in sorted(columns_of(tree) - set(names)):
        problems.append(
            Problem(source, None, None, f"unknown element '{name}'{did_you_mean(name, names)}")
        )
    return problems


def to_sql(text: str) -> str:
    """The expression as normalised DuckDB SQL (after a successful check)."""
    return parse(text, source="expression").sql(dialect=DIALECT)


def substitute(text: str, definitions: Mapping[str, str]) -> str:
    """Replace codes defined by other expressions (derived elements) by their expressions."""
    tree = parse(text, source="expression")

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.name in definitions:
            inner = parse(substitute(definitions[node.name], definitions), source=node.name)
            return exp.Paren(this=inner)
        return node

    return tree.transform(replace).sql(dialect=DIALECT)


FloatArray = np.ndarray[tuple[int], np.dtype[np.float64]]


def evaluate(text: str, values: Mapping[str, FloatArray]) -> FloatArray:
    """Evaluate a checked arithmetic expression element-wise; NaN propagates, x/0 is NaN.

    >>> evaluate("(a + b) / a", {"a": np.array([2.0, 0.0]), "b": np.array([1.0, 1.0])}).tolist()
    [1.5, nan]
    """
    return _evaluate(parse(text, source="expression"), values)


def _evaluate(node: exp.Expression, values: Mapping[str, FloatArray]) -> FloatArray:
    size = len(next(iter(values.values()))) if values else 1
    if isinstance(node, exp.Paren):
        return _evaluate(node.this, values)
    if isinstance(node, exp.Column):
        return values[node.name].astype(np.float64)
    if isinstance(node, exp.Literal):
        return np.full(size, float(node.this))
    if isinstance(node, exp.Neg):
        return -_evaluate(node.this, values)
    left = _evaluate(node.this, values)
    right = _evaluate(node.expression, values)
    if isinstance(node, exp.Add):
        return left + right
    if isinstance(node, exp.Sub):
        return left - right
    if isinstance(node, exp.Mul):
        return left * right
    if isinstance(node, exp.Div):
        with np.errstate(divide="ignore", invalid="ignore"):
            quotient = np.divide(left, right)
        return np.where(right == 0, math.nan, quotient)
    raise InputError([Problem("expression", None, None, f"cannot evaluate {node.sql()}")])
