"""The one protocol between ``benchmarks/all.py`` and the benchmark scripts (issue 20.5).

A benchmark script that contributes rows to the issue's table exposes one function::

    def figures(quick: bool) -> list[Figure]: ...

``quick`` asks for a province-size pass (all of ``all.py --quick`` must finish in under 3
minutes); without it, the full national pass. The function measures in its own process, prints
whatever it likes, and returns one ``Figure`` per row of the table it owns. A row it cannot
measure in this mode (e.g. a national row under ``--quick``) is returned with ``value=None``
and a ``note`` saying why: all.py prints it as SKIP, never as PASS.

all.py never imports a script itself: it runs each in its own subprocess

    python benchmarks/figures.py SCRIPT [--quick]

which imports ``benchmarks/SCRIPT.py``, calls ``figures(quick)`` and prints each figure as one
line ``FIGURE {json}`` on stdout (everything else the script prints passes through). So a
script's imports, memory and Django settings stay its own, and a crash in one script is
reported as that script's failure while the others still run.

In a script: ``from figures import Figure, LEAGUE_PROVINCE`` (benchmarks/ is on sys.path when a
script runs; never ``import figures``, which the function ``figures`` would shadow).

Names: use the constants below for the rows of the issue's table so that all.py and
docs/performance.md can order and match them; a script may add rows of its own (any name).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

HERE = Path(__file__).resolve().parent
PREFIX = "FIGURE "

Op = Literal["<", "<=", ">", ">="]

# The rows of issue 20's table (owner script in brackets).
LEAGUE_PROVINCE = "Province league table p95, 16 clients"  # web
LEAGUE_NATION = "National league table p95, 16 clients"  # web
ELEMENTS_NATION_VS_FLOOR = "National elements vs faster floor, validation included"  # engine
ELEMENTS_NATION_PEAK = "National elements peak memory"  # engine
PROVINCE_VS_PANDAS = "Province elements+indicators+scores vs pandas"  # engine
SCORING_VS_PANDAS = "Province scoring vs pandas"  # engine
SENSITIVITY = "Sensitivity 1,000 replications / one nominal pass"  # engine
RUN_FROM_INTAKE = "Province run from intake, queued to done"  # startup
STARTUP = "Start of a non-computing grassroots command"  # startup

ORDER = (
    LEAGUE_PROVINCE,
    LEAGUE_NATION,
    ELEMENTS_NATION_VS_FLOOR,
    ELEMENTS_NATION_PEAK,
    PROVINCE_VS_PANDAS,
    SCORING_VS_PANDAS,
    SENSITIVITY,
    RUN_FROM_INTAKE,
    STARTUP,
)


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | None  # None: not measured in this mode (printed as SKIP)
    unit: str  # "ms", "s", "x", "GB" ...
    op: Op  # value OP target passes
    target: float
    note: str = ""  # how it was measured: sizes, load average, the parts of a ratio

    @property
    def passed(self) -> bool | None:
        if self.value is None:
            return None
        v, t = self.value, self.target
        return {"<": v < t, "<=": v <= t, ">": v > t, ">=": v >= t}[self.op]

    @property
    def verdict(self) -> str:
        return {None: "SKIP", True: "PASS", False: "FAIL"}[self.passed]

    def line(self) -> str:
        """This figure as one ``FIGURE {json}`` line."""
        return PREFIX + json.dumps(asdict(self), ensure_ascii=False)


def parse(stdout: str) -> list[Figure]:
    """The figures a child printed, in order (other lines are ignored)."""
    found = []
    for raw in stdout.splitlines():
        if raw.startswith(PREFIX):
            found.append(Figure(**json.loads(raw[len(PREFIX) :])))
    return found


def load_script(name: str) -> object:
    """Import ``benchmarks/NAME.py`` as a module (benchmarks/ is not a package)."""
    path = HERE / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"no benchmark script {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    sys.path.insert(0, str(HERE))
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="run one benchmark script's figures()")
    parser.add_argument("script", help="the name of a script in benchmarks/, e.g. web")
    parser.add_argument("--quick", action="store_true", help="a province-size pass")
    args = parser.parse_args(argv)
    module = load_script(args.script)
    figures = getattr(module, "figures", None)
    if figures is None:
        raise SystemExit(f"benchmarks/{args.script}.py has no figures(quick) function")
    result = figures(args.quick)
    sys.stdout.flush()
    for figure in result:
        print(figure.line(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
