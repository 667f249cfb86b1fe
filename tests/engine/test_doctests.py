"""The engine's docstring examples run with the suite (issue 10.5): see the root conftest.py."""

from __future__ import annotations

import doctest
import importlib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "grassroots" / "engine"
PROMPT = re.compile(r"^\s*>>>", re.MULTILINE)


def _with_examples() -> dict[str, Path]:
    return {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
        for p in sorted(ENGINE.rglob("*.py"))
        if PROMPT.search(p.read_text(encoding="utf-8"))
    }


def test_pytest_collects_the_examples_of_every_engine_module_that_has_some() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--collect-only"]
        + ["grassroots/engine"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    collected = {line.split("::")[0] for line in result.stdout.splitlines() if "::" in line}
    expected = {str(p.relative_to(ROOT)) for p in _with_examples().values()}
    assert expected
    assert collected == expected, result.stdout + result.stderr


def test_every_example_in_the_engine_is_one_doctest_runs() -> None:
    # A ">>>" doctest cannot find (in a comment, a nested function, a plain string) never runs.
    missed = {}
    for name, path in _with_examples().items():
        written = len(PROMPT.findall(path.read_text(encoding="utf-8")))
        found = sum(
            len(t.examples) for t in doctest.DocTestFinder().find(importlib.import_module(name))
        )
        if found != written:
            missed[name] = (written, found)
    assert missed == {}
