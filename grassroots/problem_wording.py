"""The engine's input problems, said in the page language (issue 19.7, 18.1).

The engine is pure Python with no Django, so it words a problem in English
(``'1150件' is not a number``); the row, column and file it names are already exact. Every
page, export and API answer that shows a problem to a user passes it through ``in_language``,
which recognises the engine's message shapes and says them again with gettext, keeping the
values the engine quoted. A message of a shape not listed here is shown as the engine wrote it
(``tests/test_problem_wording.py`` checks every shape the engine's readers can produce is listed,
so a new engine message without a Chinese wording fails the suite).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from grassroots.engine.errors import Problem

# What the engine calls the values it checks against a list ("unknown unit code '…'").
WHAT = {
    "unit code": gettext_lazy("unit code"),
    "parent unit": gettext_lazy("parent unit"),
    "department": gettext_lazy("department"),
    "staff number": gettext_lazy("staff number"),
    "element": gettext_lazy("data element"),
    "indicator": gettext_lazy("indicator"),
}

_HINT = re.compile(r"^ \(did you mean '(?P<name>[^']*)'\?\)$")
_MORE = re.compile(r"^ \((?P<n>\d+) more rows\)$")


def _hint(text: str) -> str:
    if not text:
        return ""
    match = _HINT.match(text)
    return _("(did you mean “%(name)s”?)") % {"name": match.group("name")} if match else text


def _more(text: str) -> str:
    match = _MORE.match(text or "")
    if not match:
        return ""
    n = int(match.group("n"))
    return ngettext("(%(n)s more row)", "(%(n)s more rows)", n) % {"n": n}


def _what(text: str) -> str:
    return str(WHAT.get(text, text))


Wording = Callable[[dict[str, Any]], str]

# (the engine's message as a pattern, its wording in the page language)
SHAPES: list[tuple[re.Pattern[str], Wording]] = [
    (
        re.compile(r"^'(?P<v>.*)' is not a date \(expected YYYY-MM-DD\)$"),
        lambda m: _("“%(v)s” is not a date (use YYYY-MM-DD)") % m,
    ),
    (
        re.compile(r"^'(?P<v>.*)' is not a number$"),
        lambda m: _("“%(v)s” is not a number") % m,
    ),
    (
        re.compile(r"^'(?P<v>.*)' is not a whole number$"),
        lambda m: _("“%(v)s” is not a whole number") % m,
    ),
    (
        re.compile(r"^'(?P<v>.*)' is not a period \(expected .*\)$"),
        lambda m: _("“%(v)s” is not a period (use 2024, 2024Q3, 2024-07 or 2024Q3-YTD)") % m,
    ),
    (
        re.compile(r"^'(?P<v>.*)' is not a yes/no value .*$"),
        lambda m: _("“%(v)s” is not a yes/no value (是/否, true/false, 1/0)") % m,
    ),
    (
        re.compile(r"^'(?P<v>.*)' is not one of: (?P<allowed>.*)$"),
        lambda m: _("“%(v)s” is not one of the allowed values: %(allowed)s") % m,
    ),
    (
        re.compile(r"^(?P<v>.*) is negative \(a count cannot be\)$"),
        lambda m: _("%(v)s is negative (a count cannot be)") % m,
    ),
    (re.compile(r"^missing value$"), lambda m: _("a value is required")),
    (
        re.compile(r"^missing required column '(?P<c>.*)'$"),
        lambda m: _("the required column “%(c)s” is missing") % m,
    ),
    (
        re.compile(r"^unknown column '(?P<c>[^']*)'(?P<hint>.*)$"),
        lambda m: " ".join(t for t in (_("unknown column “%(c)s”") % m, _hint(m["hint"])) if t),
    ),
    (
        re.compile(r"^duplicate key \((?P<k>.*)\) = \((?P<v>.*)\), first at row (?P<r>\d+)$"),
        lambda m: _("the key (%(k)s) = (%(v)s) is repeated; it first appears in row %(r)s") % m,
    ),
    (
        re.compile(
            r"^unknown (?P<what>[a-z][a-z ]*?) "
            r"'(?P<v>[^']*)'(?P<hint> \(did you mean '[^']*'\?\))?(?P<more> \(\d+ more rows\))?$"
        ),
        lambda m: " ".join(
            t
            for t in (
                _("unknown %(what)s “%(v)s”") % {"what": _what(m["what"]), "v": m["v"]},
                _hint(m["hint"] or ""),
                _more(m["more"] or ""),
            )
            if t
        ),
    ),
    (
        re.compile(r"^unknown parent unit '(?P<v>.*)'$"),
        lambda m: _("unknown %(what)s “%(v)s”") % {"what": _what("parent unit"), "v": m["v"]},
    ),
    (
        re.compile(r"^is not a readable Parquet file \(damaged or fake\)$"),
        lambda m: _("is not a readable Parquet file (damaged, or not Parquet)"),
    ),
    (
        re.compile(r"^expected a \.csv, \.parquet or \.xlsx file$"),
        lambda m: _("must be a .csv, .parquet or .xlsx file"),
    ),
    (
        re.compile(r"^unreadable CSV: (?P<detail>.*)$"),
        lambda m: _("the CSV cannot be read: %(detail)s") % m,
    ),
    (
        re.compile(r"^unreadable workbook: (?P<detail>.*)$"),
        lambda m: _("the workbook cannot be read: %(detail)s") % m,
    ),
    (re.compile(r"^no such file$"), lambda m: _("no such file")),
    (
        re.compile(r"^no persons, events or matters file \(\.parquet or \.csv\)$"),
        lambda m: _("no persons, events or matters file (.parquet or .csv)"),
    ),
    (
        re.compile(r"^(?P<v>\S+) is below the minimum (?P<low>\S+) of (?P<code>\S+)$"),
        lambda m: _("%(v)s is below the minimum %(low)s of %(code)s") % m,
    ),
    (
        re.compile(r"^(?P<v>\S+) is above the maximum (?P<high>\S+) of (?P<code>\S+)$"),
        lambda m: _("%(v)s is above the maximum %(high)s of %(code)s") % m,
    ),
]


def message_in_language(message: str) -> str:
    """The engine's ``message`` in the page language (as it is when its shape is not known)."""
    for pattern, wording in SHAPES:
        match = pattern.match(message)
        if match:
            return wording(match.groupdict(default=""))
    return message


def in_language(problem: Problem) -> Problem:
    """``problem`` with its message in the page language; its file, sheet, row and column stay."""
    return replace(problem, message=message_in_language(problem.message))


def all_in_language(problems: Iterable[Problem]) -> list[Problem]:
    return [in_language(p) for p in problems]


def located(problem: Problem) -> str:
    """'文件 persons.csv 第 12 行 arrest_decision_date 列：……' in the page language."""
    parts = [_("file %(name)s") % {"name": problem.source}]
    if problem.sheet:
        parts.append(_("sheet %(name)s") % {"name": problem.sheet})
    if problem.row is not None:
        parts.append(_("row %(row)d") % {"row": problem.row})
    if problem.column:
        parts.append(_("column %(name)s") % {"name": problem.column})
    return _("%(where)s: %(problem)s") % {
        "where": " ".join(parts),
        "problem": message_in_language(problem.message),
    }


# ---- the API's 422: pydantic's validation errors, by their type ---------------------------

_VALIDATION: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda c: _("this field is required"),
    "int_parsing": lambda c: _("must be a whole number"),
    "int_type": lambda c: _("must be a whole number"),
    "int_from_float": lambda c: _("must be a whole number"),
    "float_parsing": lambda c: _("must be a number"),
    "float_type": lambda c: _("must be a number"),
    "decimal_parsing": lambda c: _("must be a number"),
    "bool_parsing": lambda c: _("must be true or false"),
    "bool_type": lambda c: _("must be true or false"),
    "string_type": lambda c: _("must be text"),
    "string_too_long": lambda c: _("at most %(max_length)s characters") % c,
    "string_too_short": lambda c: _("at least %(min_length)s characters") % c,
    "string_pattern_mismatch": lambda c: _("is not in the expected form"),
    "too_long": lambda c: _("at most %(max_length)s items") % c,
    "too_short": lambda c: _("at least %(min_length)s items") % c,
    "greater_than": lambda c: _("must be greater than %(gt)s") % c,
    "greater_than_equal": lambda c: _("must be at least %(ge)s") % c,
    "less_than": lambda c: _("must be less than %(lt)s") % c,
    "less_than_equal": lambda c: _("must be at most %(le)s") % c,
    "date_parsing": lambda c: _("must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": lambda c: _("must be a date (YYYY-MM-DD)"),
    "date_type": lambda c: _("must be a date (YYYY-MM-DD)"),
    "datetime_parsing": lambda c: _("must be a date and time"),
    "datetime_type": lambda c: _("must be a date and time"),
    "enum": lambda c: _("must be one of: %(expected)s") % c,
    "literal_error": lambda c: _("must be one of: %(expected)s") % c,
    "list_type": lambda c: _("must be a list"),
    "dict_type": lambda c: _("must be an object"),
    "model_attributes_type": lambda c: _("must be an object"),
    "json_invalid": lambda c: _("the request body is not valid JSON"),
    "extra_forbidden": lambda c: _("is not a field of this request"),
}


def validation_message(error: dict[str, Any]) -> str:
    """One pydantic error (``{"type", "loc", "msg", "ctx"}``) said in the page language; a
    type not listed keeps pydantic's own (English) message."""
    context = dict((error.get("ctx") or {}).items())
    wording = _VALIDATION.get(str(error.get("type", "")))
    if wording is None:
        return str(error.get("msg", ""))
    try:
        return wording(context)
    except (KeyError, TypeError, ValueError):
        return str(error.get("msg", ""))


def validation_errors(errors: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The API's 422 detail: each error keeps its ``type`` and ``loc``; ``msg`` is in the
    caller's language."""
    return [
        {"type": e.get("type"), "loc": list(e.get("loc", ())), "msg": validation_message(e)}
        for e in errors
    ]
