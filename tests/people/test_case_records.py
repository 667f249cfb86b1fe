"""Case records name their people (issue 14.2, app side): intake checks prosecutor_id and
department against the unit's roster; unknown ones are located problems in Chinese and nothing is
stored; files without the columns, and units without a roster, stay valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from grassroots.engine.errors import InputError
from grassroots.intake.cases.services import import_cases
from grassroots.intake.models import DataVersion
from grassroots.intake.rosters import registered
from grassroots.organisations.models import Role

HEADER = "unit_code,case_id,person_id,arrest_review_received,arrest_decision,arrest_decision_date"


@pytest.fixture
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    (settings.DATA_DIR / "versions").mkdir(parents=True)
    return settings.DATA_DIR


def export(tmp_path: Path, unit: str, handlers: list[tuple[str, str]] | None) -> Path:
    folder = tmp_path / f"export-{unit}-{len(handlers or [])}"
    folder.mkdir()
    lines = [HEADER + (",prosecutor_id,department" if handlers is not None else "")]
    for i, pair in enumerate(handlers if handlers is not None else [None, None, None]):
        row = f"{unit},c{i},p{i},2024-07-10,approved,2024-07-10"
        lines.append(row + (f",{pair[0]},{pair[1]}" if pair is not None else ""))
    (folder / "persons.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_people_registers_the_roster_lookup_with_intake() -> None:
    assert "people-roster" in registered()


def test_known_people_and_departments_are_accepted(roster, make_member, data_dir, tmp_path) -> None:
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    source = export(tmp_path, "370102", [("P001", "D01"), ("P004", "D02"), ("", "")])
    version = import_cases(source=source, unit=clerk.membership.unit, period="2024Q3", actor=clerk)
    assert version.row_counts == {"persons": 3}


def test_unknown_people_and_departments_are_located_in_chinese(
    roster, make_member, data_dir, tmp_path
) -> None:
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    source = export(tmp_path, "370102", [("P001", "D01"), ("P999", "D01"), ("P002", "D77")])
    with translation.override("zh-hans"), pytest.raises(InputError) as caught:
        import_cases(source=source, unit=clerk.membership.unit, period="2024Q3", actor=clerk)
    found = [(p.source, p.row, p.column, p.message) for p in caught.value.problems]
    assert found == [
        ("persons.csv", 3, "prosecutor_id", "工号 P999 不在单位 370102 的人员名册中"),
        ("persons.csv", 4, "department", "部门 D77 不是单位 370102 的部门"),
    ]
    assert not DataVersion.objects.exists()


def test_files_without_the_columns_and_units_without_a_roster_stay_valid(
    roster, make_member, data_dir, tmp_path
) -> None:
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    assert import_cases(
        source=export(tmp_path, "370102", None),
        unit=clerk.membership.unit,
        period="2024Q3",
        actor=clerk,
    )
    other = make_member(Role.GRASSROOTS_CLERK, "370103")
    source = export(tmp_path, "370103", [("X1", "Y1")])
    assert import_cases(source=source, unit=other.membership.unit, period="2024Q3", actor=other)
