"""``grassroots catalogue list|show|check``: the shipped catalogues and schemes, and checking YAML.

Engine only: no database and no Django.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from grassroots.commands._errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("catalogue", help="list, show and check catalogues and schemes")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="the shipped catalogues and schemes").set_defaults(
        func=run_list
    )
    show = actions.add_parser("show", help="elements and indicators of a catalogue, or a scheme")
    show.add_argument("name", metavar="NAME|FILE")
    show.set_defaults(func=run_show)
    check = actions.add_parser("check", help="check a catalogue or scheme YAML file")
    check.add_argument("file", type=Path, metavar="FILE")
    check.set_defaults(func=run_check)


# --- list -------------------------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    from grassroots.engine.catalogue import list_catalogues, load_catalogue
    from grassroots.engine.scheme import list_schemes, load_scheme

    _out("Catalogues:")
    for name in list_catalogues():
        cat = load_catalogue(name)
        _out(f"  {name:<22} {cat.name_zh} / {cat.name_en}")
        _out(f"  {'':<22} {len(cat.elements)} elements, {len(cat.indicators)} indicators")
    _out("Schemes:")
    for name in list_schemes():
        scheme = load_scheme(name)
        _out(f"  {name:<22} {scheme.title_zh} / {scheme.title_en}")
        _out(f"  {'':<22} {_scheme_summary(scheme)}")
    return 0


def _scheme_summary(scheme: Any) -> str:
    if scheme.tree is None:
        return f"checklist of {len(scheme.items)} items under {len(scheme.headings)} headings"
    scores = f"scores catalogue {scheme.catalogue}" if scheme.catalogue else "free-standing"
    return f"{len(scheme.indicator_codes())} indicators, {scores}"


# --- show -------------------------------------------------------------------------------------


def run_show(args: argparse.Namespace) -> int:
    from grassroots.engine.catalogue import list_catalogues, load_catalogue, read_catalogue_file
    from grassroots.engine.errors import InputError
    from grassroots.engine.pipeline import load_scheme_safely
    from grassroots.engine.scheme import list_schemes

    name = args.name
    try:
        # A shipped name, or else the operator's own file named on the command line.
        if name in list_catalogues():
            _show_catalogue(load_catalogue(name))
        elif _looks_like_catalogue(name):
            _show_catalogue(read_catalogue_file(Path(name)))
        elif name in list_schemes():
            _show_scheme(load_scheme_safely(name))
        elif Path(name).is_file():
            _show_scheme(load_scheme_safely(Path(name)))
        else:
            known = ", ".join([*list_catalogues(), *list_schemes()])
            raise UsageError(f"no catalogue or scheme named {name!r} (shipped: {known})")
    except InputError as exc:
        _report(exc)
        return 2
    return 0


def _looks_like_catalogue(name: str) -> bool:
    path = Path(name)
    return path.is_file() and _yaml_kind(path) == "catalogue"


def _show_catalogue(cat: Any) -> None:
    _out(f"{cat.name}: {cat.name_zh} / {cat.name_en} (version {cat.version})")
    _out()
    _out(f"Data elements ({len(cat.elements)}):")
    for code, el in cat.elements.items():
        _out(f"  {code}  {el.name_zh} / {el.name_en}")
        if el.rule is not None:
            r = el.rule
            measure = r.measure.kind.value + (f"({r.measure.column})" if r.measure.column else "")
            _out(f"      {measure} of {r.table} where {r.filter}, dated by {r.date}")
        elif el.source is not None:
            _out(f"      supplied by the element source '{el.source}' when a run reads its inputs")
        else:
            _out("      reported by the unit")
    if cat.derived:
        _out()
        _out(f"Derived ({len(cat.derived)}):")
        for code, d in cat.derived.items():
            _out(f"  {code}  {d.name_zh} / {d.name_en}")
            _out(f"      = {d.expression}")
    _out()
    _out(f"Indicators ({len(cat.indicators)}):")
    for code, ind in cat.indicators.items():
        _out(f"  {code}  {ind.name_zh} / {ind.name_en}")
        factor = f" × {ind.factor:g}" if ind.factor != 1 else ""
        _out(f"      = ({ind.numerator}) / ({ind.denominator}){factor}")
        _out(f"      {_direction(ind)}{f', {ind.unit}' if ind.unit else ''}")


def _direction(ind: Any) -> str:
    direction = getattr(ind.direction, "value", ind.direction)
    if direction == "range":
        return f"best within {ind.low:g}–{ind.high:g}"
    return f"{direction} is better"


def _show_scheme(scheme: Any) -> None:
    _out(f"{scheme.name}: {scheme.title_zh} / {scheme.title_en} (version {scheme.version})")
    _out(_scheme_summary(scheme))
    _out()
    if scheme.tree is not None:
        for node, depth in scheme.nodes():
            weight = f"  weight {node.weight:g}" if depth else ""
            _out(f"{'  ' * depth}{node.code}  {node.name_zh} / {node.name_en}{weight}")
        return
    headings = {h.code: h for h in scheme.headings}
    for item in scheme.items:
        heading = headings.get(item.heading)
        title = heading.name_en if heading else item.heading
        _out(f"  [{title}] {item.code}  {item.name_zh} / {item.name_en} ({item.kind.value})")


# --- check ------------------------------------------------------------------------------------


def run_check(args: argparse.Namespace) -> int:
    from grassroots.engine.catalogue import read_catalogue_file
    from grassroots.engine.errors import InputError

    path: Path = args.file
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    kind = _yaml_kind(path)
    try:
        if kind == "catalogue":
            read_catalogue_file(path)
        else:
            _check_scheme(path)
    except InputError as exc:
        _report(exc)
        return 2
    _out(f"OK: {path} is a valid {kind}")
    return 0


def _check_scheme(path: Path) -> None:
    """A scheme that scores a catalogue must name only that catalogue's indicators."""
    from grassroots.engine.pipeline import load_scheme_safely, scheme_catalogue

    scheme = load_scheme_safely(path)
    if scheme.catalogue is not None:
        scheme_catalogue(scheme, path)


def _yaml_kind(path: Path) -> str:
    """A catalogue defines elements; anything else we are asked to check is a scheme."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return "catalogue"  # let the loader report the read or syntax error with its location
    if isinstance(data, dict) and ("elements" in data or "derived" in data):
        return "catalogue"
    return "scheme"


def _report(exc: Exception) -> None:
    problems = list(getattr(exc, "problems", []) or [])
    for problem in problems:
        _err(str(problem))
    if not problems:
        _err(str(exc))
    _err(f"{len(problems) or 1} problem(s) found")


def _out(text: str = "") -> None:
    # The command's output, not logging: ruff's T20 flags print(), so say it explicitly.
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")
