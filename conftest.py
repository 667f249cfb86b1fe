"""The engine's docstring examples are tests (issue 10.5).

Public engine functions carry a tiny runnable example (STYLE.md 11); pytest collects those of
grassroots/engine (listed in testpaths) as doctests, so an example that stops being true fails
the suite. Only the engine: the apps' modules need Django set up and are not collected.
"""

from __future__ import annotations

from pathlib import Path

from _pytest.doctest import DoctestModule  # pytest's own --doctest-modules collector
from _pytest.nodes import Collector

ENGINE = Path(__file__).resolve().parent / "grassroots" / "engine"


def pytest_collect_file(file_path: Path, parent: Collector) -> DoctestModule | None:
    # With --doctest-modules pytest collects them itself; twice would run each example twice.
    if parent.config.option.doctestmodules:
        return None
    if file_path.suffix == ".py" and ENGINE in file_path.parents:
        return DoctestModule.from_parent(parent, path=file_path)
    return None
