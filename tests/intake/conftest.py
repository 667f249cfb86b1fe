"""A tiny province (37: Jinan with two counties, Qingdao with one), its people, and case files.

(the tiny province itself, `province` and `make_member`, are tests/conftest.py's)
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from grassroots.organisations.models import AuditEntry, Role

PERSONS_HEADER = (
    "unit_code,case_id,person_id,arrest_review_received,arrest_decision,arrest_decision_date"
)


def persons_csv(unit: str = "370102", rows: int = 3, *, day: str = "2024-07-10") -> str:
    lines = [PERSONS_HEADER]
    for i in range(rows):
        decision = "approved" if i % 3 else "not_approved"
        lines.append(f"{unit},c{i},p{i},{day},{decision},{day}")
    return "\n".join(lines) + "\n"


def events_csv(unit: str = "370102") -> str:
    return (
        "unit_code,event_id,case_id,event_type,event_date\n"
        f"{unit},e1,c1,remand_first,2024-07-20\n"
        f"{unit},e2,c2,protest,2024-08-02\n"
    )


@pytest.fixture
def clerk(make_member) -> object:
    return make_member(Role.GRASSROOTS_CLERK, "370102", "clerk")


@pytest.fixture
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    # versions/ and tmp/ (the server's private temporary folder, issue 19.6) exist as after
    # the first upload, so "unchanged" means no new file at all: nothing left in tmp/ either.
    (settings.DATA_DIR / "versions").mkdir(parents=True)
    (settings.DATA_DIR / "tmp").mkdir(mode=0o700)
    return settings.DATA_DIR


@pytest.fixture
def export(tmp_path) -> Path:
    """A folder export of Lixia (370102) for 2024Q3: persons and events as UTF-8 CSV."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "persons.csv").write_text(persons_csv(), encoding="utf-8")
    (folder / "events.csv").write_text(events_csv(), encoding="utf-8")
    return folder


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def snapshot_state(data_dir: Path) -> tuple[int, int, list[str]]:
    """What a rejected upload must leave unchanged: versions, audit entries of changes, files on
    disk (the refusal itself is a security event in the log: organisations/security)."""
    from grassroots.intake.models import DataVersion

    files = sorted(str(p.relative_to(data_dir)) for p in data_dir.rglob("*"))
    changes = AuditEntry.objects.filter(action__in=["create", "update", "delete"]).count()
    return DataVersion.objects.count(), changes, files


@pytest.fixture
def state(data_dir) -> Callable[[], tuple[int, int, list[str]]]:
    return lambda: snapshot_state(data_dir)


@pytest.fixture
def make_persons() -> Callable[..., str]:
    return persons_csv


@pytest.fixture
def make_zip() -> Callable[[dict[str, bytes]], bytes]:
    return zip_bytes
