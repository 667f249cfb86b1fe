"""Dependencies run one way, and no modules import each other in a loop (issue 10, point 1).

The house, from the ground up (a module may import its own package and anything lower):

    reference, the package's root  <  engine  <  errors, i18n, api_caller, cells,
    form_fields  <  organisations
    <  intake  <  people  <  evaluation  <  assistance  <  reports  <  web (pages' shell, API composition)  <  commands  <  cli

Every import counts, also one inside a function (a "lazy" import still runs back up or closes a
loop; it only hides it). A new package under grassroots/ must be given its floor here first.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "grassroots"

FLOORS: dict[str, int] = {
    "grassroots": 0,  # the package's __init__: the version, nothing else
    "grassroots.reference": 0,
    "grassroots.engine": 1,
    "grassroots.errors": 2,
    "grassroots.i18n": 2,
    "grassroots.api_caller": 2,
    "grassroots.cells": 2,
    "grassroots.form_fields": 2,
    "grassroots.responses": 2,
    "grassroots.tables": 2,
    "grassroots.files": 2,
    "grassroots.problem_wording": 2,
    "grassroots.compiled": 2,
    "grassroots.organisations": 3,
    "grassroots.notifications": 3,
    "grassroots.intake": 4,
    "grassroots.people": 5,
    "grassroots.evaluation": 6,
    "grassroots.library": 6,
    "grassroots.assistance": 7,
    "grassroots.supervision": 7,
    "grassroots.party": 7,
    "grassroots.direct": 7,
    "grassroots.reports": 8,
    "grassroots.web": 9,
    "grassroots.commands": 10,
    "grassroots.cli": 11,
}


# Imports allowed between two packages on the same floor, one way only (the reverse runs up):
# notifications sits beside organisations and reads its users, units and audit log.
# direct sits beside assistance and reads which units are weak now.
# tables (the pages' exports) writes its title block in the page language, as i18n tells.
SIDEWAYS: set[tuple[str, str]] = {
    ("grassroots.notifications", "grassroots.organisations"),
    ("grassroots.direct", "grassroots.assistance"),
    ("grassroots.tables", "grassroots.i18n"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(p): p
        for p in ROOT.rglob("*.py")
        if "migrations" not in p.parts and "static" not in p.parts
    }


def _imports(path: Path, name: str, known: set[str]) -> Iterator[str]:
    """Every grassroots module ``path`` imports, at any depth of the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports the module pkg.mod when there is one.
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        else:
            continue
        yield from (t for t in targets if t == "grassroots" or t.startswith("grassroots."))


def _floor(module: str) -> tuple[str, int]:
    for prefix in sorted(FLOORS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return prefix, FLOORS[prefix]
    raise AssertionError(f"{module}: no floor in tests/test_layers.py FLOORS")


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {t for t in _imports(path, name, known) if t in known and t != name}
    return graph


def test_every_package_has_a_floor() -> None:
    packages = {
        f"grassroots.{p.name}"
        for p in ROOT.iterdir()
        if p.is_dir() and (p / "__init__.py").exists()
    }
    modules = {f"grassroots.{p.stem}" for p in ROOT.glob("*.py") if p.stem != "__init__"}
    assert sorted((packages | modules) - set(FLOORS)) == []


def test_no_import_runs_back_up() -> None:
    offenders = []
    for module, targets in sorted(_graph().items()):
        home, floor = _floor(module)
        for target in sorted(targets):
            other, other_floor = _floor(target)
            if other == home or other == "grassroots" or (home, other) in SIDEWAYS:
                continue
            if other_floor >= floor:
                offenders.append(f"{module} -> {target}")
    assert offenders == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_modules_import_each_other_in_a_loop() -> None:
    assert _cycles(_graph()) == []


def test_the_checks_catch_what_they_forbid() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _floor("grassroots.evaluation.reasons")[1] < _floor("grassroots.web.views")[1]
    assert _floor("grassroots.engine.scheme")[1] < _floor("grassroots.i18n")[1]
    # A lazy import inside a function is an import too.
    source = ROOT / "evaluation" / "reasons.py"
    known = set(_modules())
    assert "grassroots.i18n" in set(_imports(source, "grassroots.evaluation.reasons", known))
