"""Every figure of issue 20's table with its target and PASS/FAIL, measured in one run.

    .venv/bin/python benchmarks/all.py --quick        # a province-size pass (< 3 minutes)
    .venv/bin/python benchmarks/all.py                # the full national pass
    .venv/bin/python benchmarks/all.py --quick --write-doc   # also record them in docs/performance.md

Each benchmark script that owns rows of the table exposes ``figures(quick) -> list[Figure]``
(benchmarks/figures.py); this runs each in its own subprocess (``benchmarks/figures.py SCRIPT``),
passing its output through, and then prints one table: measure, value, target, PASS / FAIL /
SKIP (not measured in this mode) / MISSING (the script gave no such row, or failed), with how
each was measured and the machine's load average. Exit code 1 when a figure fails or is missing.
Wrap it in ``nice -n 19`` on a shared machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from figures import ORDER, Figure, parse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- benchmarks/all.py: begin -->", "<!-- benchmarks/all.py: end -->"

# The scripts, in the order they run, and the rows of the table each owns.
SCRIPTS = {
    "startup": ("Province run from intake", "Start of a non-computing"),
    "web": ("Province league table", "National league table"),
    "engine": ("National elements", "Province elements", "Province scoring", "Sensitivity"),
    "intake": (),  # the national bulk import: rows of its own, not in the table
}
TIMEOUT_S = {True: 900, False: 4 * 3600}


def run_script(name: str, quick: bool) -> tuple[list[Figure], str]:
    """The figures one script returned, and why none if it failed."""
    argv = [sys.executable, str(HERE / "figures.py"), name] + (["--quick"] if quick else [])
    print(f"\n=== benchmarks/{name}.py {'(quick)' if quick else ''}", flush=True)
    started = time.perf_counter()
    lines: list[str] = []
    try:
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if not line.startswith("FIGURE "):
                print(f"  {line}", end="", flush=True)
        code = proc.wait(timeout=TIMEOUT_S[quick])
    except subprocess.TimeoutExpired:
        proc.kill()
        return [], f"benchmarks/{name}.py took longer than {TIMEOUT_S[quick]} s"
    took = time.perf_counter() - started
    print(f"=== benchmarks/{name}.py: {took:.0f} s, exit {code}", flush=True)
    found = parse("".join(lines))
    if code != 0 and not found:
        tail = " | ".join(x.strip() for x in lines[-3:])
        return [], f"benchmarks/{name}.py failed (exit {code}): {tail}"
    return found, ""


def _value(f: Figure) -> str:
    if f.value is None:
        return "-"
    return f"{f.value:g} {f.unit}"


def table(figures: list[Figure], missing: dict[str, str]) -> list[tuple[str, str, str, str, str]]:
    """Rows (measure, value, target, verdict, note) in the issue's order, extra rows after."""
    by_name = {f.name: f for f in figures}
    rows = []
    for name in ORDER:
        f = by_name.pop(name, None)
        if f is None:
            owner = next((s for s, prefixes in SCRIPTS.items() if name.startswith(prefixes)), "")
            why = missing.get(owner) or f"benchmarks/{owner}.py gave no such figure"
            rows.append((name, "-", "", "MISSING", why))
            continue
        rows.append((name, _value(f), f"{f.op} {f.target:g} {f.unit}", f.verdict, f.note))
    for f in by_name.values():
        rows.append((f.name, _value(f), f"{f.op} {f.target:g} {f.unit}", f.verdict, f.note))
    for script, why in missing.items():
        if not SCRIPTS.get(script) and why != "not run (--only)":
            rows.append((f"benchmarks/{script}.py", "-", "", "MISSING", why))
    return rows


def machine(load_before: tuple[float, ...], load_after: tuple[float, ...]) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    fmt = "/".join
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {commit or '?'}, "
        f"{os.cpu_count()} CPUs, load average (1/5/15 min) "
        f"{fmt(f'{v:.2f}' for v in load_before)} before, {fmt(f'{v:.2f}' for v in load_after)} after"
    )


def print_table(rows: list[tuple[str, str, str, str, str]], about: str) -> None:
    print(f"\nIssue 20's figures: {about}")
    width = max(len(r[0]) for r in rows)
    for name, value, target, verdict, note in rows:
        print(f"{name:<{width}}  {value:>11}  {target:<10} {verdict:<7}  {note}")


def markdown(rows: list[tuple[str, str, str, str, str]], about: str, quick: bool) -> str:
    mode = "`benchmarks/all.py --quick` (province-size pass)" if quick else "`benchmarks/all.py`"
    out = [f"Latest run: {mode}, {about}.", "", "| Measure | Value | Target | | How |"]
    out.append("|---|---|---|---|---|")
    for name, value, target, verdict, note in rows:
        out.append(f"| {name} | {value} | {target} | {verdict} | {note.replace('|', '/')} |")
    return "\n".join(out)


def write_doc(text: str) -> None:
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in current and END in current:
        pattern = re.escape(BEGIN) + r".*?" + re.escape(END)
        current = re.sub(pattern, lambda _m: block, current, flags=re.DOTALL)
    else:
        current = current.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(current, encoding="utf-8")
    print(f"\nwrote the table into {DOC.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a province-size pass")
    parser.add_argument("--only", help="comma-separated scripts to run (default: all)")
    parser.add_argument("--write-doc", action="store_true", help="record in docs/performance.md")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in (args.only or ",".join(SCRIPTS)).split(",") if s.strip()]
    unknown = set(chosen) - set(SCRIPTS)
    if unknown:
        parser.error(f"unknown scripts: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    load_before = os.getloadavg()
    figures: list[Figure] = []
    missing: dict[str, str] = {}
    for name in chosen:
        found, why = run_script(name, args.quick)
        figures += found
        if why:
            missing[name] = why
    for name in set(SCRIPTS) - set(chosen):
        missing[name] = "not run (--only)"
    about = machine(load_before, os.getloadavg())
    about += f", {time.perf_counter() - started:.0f} s in all"
    rows = table(figures, missing)
    print_table(rows, about)
    if args.write_doc:
        write_doc(markdown(rows, about, args.quick))
    return 1 if any(r[3] in ("FAIL", "MISSING") for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
