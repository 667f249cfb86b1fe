"""The engine benchmark generates its data with the CLI: its arguments must be ones the CLI
takes (a fresh machine has no data yet, so a wrong argument fails only there)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from grassroots.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def _benchmark():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("engine_benchmark", ROOT / "benchmarks/engine.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("small", [True, False])
def test_the_benchmarks_generate_arguments_parse(small: bool, tmp_path: Path) -> None:
    args = _benchmark().generate_args(tmp_path, small=small, scale=20.0)
    parsed = build_parser().parse_args(args)
    assert parsed.out == str(tmp_path) or Path(parsed.out) == tmp_path
    if small:
        assert not parsed.nation
    else:
        assert parsed.nation
        assert parsed.scale == 20.0
