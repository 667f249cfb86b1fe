"""Data versions kept whole: their stored files re-checked against the recorded SHA-256.

A data version's Parquet folder never changes once written. Each time it is read for a run, a
reproduction or `grassroots check --integrity`, its files are hashed again; a replaced,
damaged or missing file stops the read (``IntegrityFault``) instead of being computed with.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from grassroots.engine.cases import files_checksum
from grassroots.intake.models import DataVersion, versions_dir


class IntegrityFault(OSError):
    """A data version's stored files do not match its recorded checksum (or are gone)."""


def checksum_of(folder: Path) -> str:
    """SHA-256 over the stored files (name and bytes, in name order: ``files_checksum``)."""
    return files_checksum((path.name, _chunks(path)) for path in sorted(folder.iterdir()))


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            yield chunk


def version_problem(version: DataVersion) -> str | None:
    """What is wrong with the version's stored files, or None when they match its record."""
    folder = versions_dir() / str(int(version.pk))
    if not folder.is_dir():
        return f"data version {version.pk} ({version.unit_id}, {version.period}): files are gone"
    try:
        actual = checksum_of(folder)
    except OSError as exc:
        return f"data version {version.pk}: files cannot be read ({exc.strerror or exc})"
    if actual != version.checksum:
        return (
            f"data version {version.pk}: the stored files do not match the recorded SHA-256 "
            f"{version.checksum[:12]}… (now {actual[:12]}…): they were replaced or damaged"
        )
    return None


def verify_versions(versions: Iterable[DataVersion]) -> None:
    """IntegrityFault naming every version whose files do not match their record."""
    problems = [p for v in versions if (p := version_problem(v)) is not None]
    if problems:
        raise IntegrityFault("; ".join(problems))


def integrity_problems() -> list[str]:
    """Every stored data version checked: the problems found (empty when all match)."""
    return [
        p
        for v in DataVersion.objects.order_by("pk").iterator()
        if (p := version_problem(v)) is not None
    ]
