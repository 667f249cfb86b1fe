"""docs/architecture.md is the newcomer's map: it must name only what exists (issue 10, point 6)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"


def _named_paths() -> list[str]:
    """Every `grassroots/...` path and `dir/` or `file.py` under a named app, as written."""
    text = DOC.read_text(encoding="utf-8")
    return re.findall(r"`(grassroots/[\w/.]*?)(?::\w+)?`", text)


def test_the_readme_links_the_map() -> None:
    assert "docs/architecture.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_path_the_map_names_exists() -> None:
    paths = _named_paths()
    assert len(paths) > 30  # the map names the places; a regex that finds none proves nothing
    missing = [p for p in paths if not (ROOT / p.rstrip("/")).exists()]
    assert missing == []


def test_every_app_is_on_the_map_and_every_app_on_the_map_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    apps = {p.name for p in (ROOT / "grassroots").iterdir() if (p / "apps.py").exists()}
    named = set(re.findall(r"`grassroots/(\w+)/`", text))
    assert apps <= named
    assert {n for n in named if (ROOT / "grassroots" / n / "apps.py").exists()} == apps


def test_the_floors_of_the_map_are_the_floors_the_layer_test_holds() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("layers", ROOT / "tests" / "test_layers.py")
    assert spec is not None
    assert spec.loader is not None
    layers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layers)
    floors = layers.FLOORS
    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| (.+?) \|", text, re.M)
    for floor, cell in rows:
        for path in re.findall(r"`grassroots/([\w/.]+?)/?`", cell):
            module = "grassroots." + path.removesuffix(".py").replace("/", ".")
            assert floors[module] == int(floor), module
