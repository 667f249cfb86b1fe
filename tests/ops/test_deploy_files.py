"""The deployment examples and docs/operations.md stay true to the code (issue 17.4, 17.6)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Read by the tests or set in settings, never by an operator's environment.
NOT_OPERATOR_SETTINGS = {"GRASSROOTS_TESTING", "GRASSROOTS_INTAKE_LIMITS"}


def _python_sources() -> list[Path]:
    return [p for p in (ROOT / "grassroots").rglob("*.py") if "static" not in p.parts]


def test_the_environment_file_documents_every_setting_the_program_reads() -> None:
    read: set[str] = set()
    for path in _python_sources():
        text = path.read_text(encoding="utf-8")
        read |= set(
            re.findall(
                r"""(?:environ(?:\.get)?|getenv|env\w*)\(\s*["'](GRASSROOTS_\w+|DATABASE_URL)""",
                text,
            )
        )
        read |= set(re.findall(r"""environ\[["'](GRASSROOTS_\w+)["']\]""", text))
    assert {"GRASSROOTS_SECRET_KEY", "DATABASE_URL", "GRASSROOTS_HTTPS"} <= read
    documented = set(
        re.findall(r"^(\w+)=", (ROOT / "deploy" / "grassroots.env").read_text(), re.MULTILINE)
    )
    assert read - NOT_OPERATOR_SETTINGS <= documented, read - NOT_OPERATOR_SETTINGS - documented


def test_every_deploy_file_the_operations_guide_names_exists() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(deploy/[\w./-]+)`", guide))
    assert len(named) >= 7
    for name in named:
        base = name.split(",")[0]
        assert (ROOT / base).exists(), name
    shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / "deploy").rglob("*") if p.is_file()}
    assert shipped <= named | {"deploy/systemd/grassroots-backup.timer"}, shipped - named
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/operations.md)" in readme


def test_no_postgresql_extension_is_needed() -> None:
    """PostgreSQL-compatible databases must serve: no CREATE EXTENSION in any migration, no
    django.contrib.postgres anywhere in the program."""
    for path in _python_sources():
        text = path.read_text(encoding="utf-8")
        assert "django.contrib.postgres" not in text, path
        if "migrations" in path.parts:
            assert not re.search(r"create\s+extension", text, re.IGNORECASE), path
