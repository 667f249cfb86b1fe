"""The glossary's retired terms do not come back (issue 18.1).

docs/glossary.md fixes one term per concept; this test reads its "Retired terms" column and
searches every Chinese translation, template, shipped catalogue and scheme for them.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"


def retired_terms() -> dict[str, str]:
    """Retired term -> the term that replaces it, from the glossary's table."""
    found: dict[str, str] = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("Concept", "---"):
            continue
        for term in re.split(r"[,，]\s*", cells[3]):
            if term and term != "—":
                found[term] = cells[1]
    return found


def _searched() -> list[Path]:
    package = ROOT / "grassroots"
    return sorted(
        [
            *package.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"),
            *package.rglob("*.html"),
            *(package / "engine" / "catalogues").glob("*.yaml"),
            *(package / "engine" / "schemes").rglob("*.yaml"),
        ]  # fmt: skip
    )


def test_the_glossary_names_retired_terms() -> None:
    terms = retired_terms()
    assert {"评估", "薄弱院", "一单两计划", "案件比", "排行表", "预演"} <= set(terms)


def test_no_retired_term_in_translations_templates_catalogues_or_schemes() -> None:
    terms = retired_terms()
    hits = []
    for path in _searched():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith(("#", "msgid")):
                continue  # comments and English source text
            for term in terms:
                if term in line:
                    hits.append(f"{path.relative_to(ROOT)}:{number}: {term} → {terms[term]}")
    assert hits == []
