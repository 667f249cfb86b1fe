"""Case records become immutable data versions; bad uploads change nothing."""

from __future__ import annotations

import pytest

from grassroots.engine.errors import InputError
from grassroots.intake.cases.services import import_cases
from grassroots.intake.models import DataVersion, ElementValue


def test_it_stores_an_upload_as_parquet_with_counts_checksum_and_elements(
    clerk, data_dir, export
) -> None:
    unit = clerk.membership.unit
    version = import_cases(source=export, unit=unit, period="2024Q3", actor=clerk)
    folder = data_dir / "versions" / str(version.pk)
    assert sorted(p.name for p in folder.iterdir()) == ["events.parquet", "persons.parquet"]
    assert version.row_counts == {"events": 2, "persons": 3}
    assert len(version.checksum) == 64
    assert version.uploaded_by == clerk
    assert version.periods == ["2024Q3"]
    values = {e.element: e.value for e in ElementValue.objects.filter(data_version=version)}
    assert values["arrest_review_cases"] == 3
    assert values["arrest_not_approved_persons"] == 1
    assert values["arrest_approved_persons"] == 2
    assert values["remanded_cases"] == 1
    # nothing left behind in staging
    assert [p.name for p in (data_dir / "versions").iterdir()] == [str(version.pk)]


def test_a_reupload_for_the_same_unit_and_period_is_a_new_version_superseding_the_old(
    clerk, data_dir, export, make_persons
) -> None:
    unit = clerk.membership.unit
    first = import_cases(source=export, unit=unit, period="2024Q3", actor=clerk)
    first_bytes = (data_dir / "versions" / str(first.pk) / "persons.parquet").read_bytes()
    (export / "persons.csv").write_text(make_persons(rows=5), encoding="utf-8")
    second = import_cases(source=export, unit=unit, period="2024Q3", actor=clerk)
    assert second.supersedes == first
    assert second.checksum != first.checksum
    # the first version's files and values are untouched
    assert (data_dir / "versions" / str(first.pk) / "persons.parquet").read_bytes() == first_bytes
    first_cases = ElementValue.objects.get(data_version=first, element="arrest_review_cases")
    second_cases = ElementValue.objects.get(data_version=second, element="arrest_review_cases")
    assert (first_cases.value, second_cases.value) == (3, 5)


def test_it_reads_gb18030_csv_in_a_zip(clerk, data_dir, tmp_path, make_persons, make_zip) -> None:
    text = make_persons().replace("c0,p0", "案一,人一")
    upload = tmp_path / "export.zip"
    upload.write_bytes(make_zip({"export/persons.csv": text.encode("gb18030")}))
    version = import_cases(source=upload, unit=clerk.membership.unit, period="2024Q3", actor=clerk)
    assert version.row_counts == {"persons": 3}
    assert version.source_name == "export.zip"


def _rejected(clerk, source, state, match: str, period: str = "2024Q3") -> InputError:
    before = state()
    with pytest.raises(InputError) as info:
        import_cases(source=source, unit=clerk.membership.unit, period=period, actor=clerk)
    assert match in str(info.value)
    assert state() == before
    return info.value


def test_it_rejects_a_file_of_the_wrong_format_whole(clerk, state, tmp_path) -> None:
    upload = tmp_path / "persons.xls"
    upload.write_bytes(b"whatever")
    _rejected(clerk, upload, state, "not a case table file")


def test_it_rejects_a_parquet_file_that_is_really_csv(clerk, state, tmp_path, make_persons) -> None:
    upload = tmp_path / "persons.parquet"
    upload.write_text(make_persons(), encoding="utf-8")
    _rejected(clerk, upload, state, "persons.parquet: is not a Parquet file")


def test_it_rejects_a_csv_that_is_really_binary(clerk, state, tmp_path, make_zip) -> None:
    upload = tmp_path / "persons.csv"
    upload.write_bytes(make_zip({"a.txt": b"x"}))
    _rejected(clerk, upload, state, "persons.csv: is not a text CSV file")


def test_it_rejects_a_zip_bomb_before_extracting(clerk, state, tmp_path, make_zip) -> None:
    upload = tmp_path / "export.zip"
    upload.write_bytes(make_zip({"persons.csv": b"0" * 20_000_000}))
    error = _rejected(clerk, upload, state, "export.zip: the zip would expand to 20,000,000 bytes")
    assert "refused" in str(error)


def test_it_rejects_an_upload_over_the_size_limit(
    clerk, state, export, settings, make_persons
) -> None:
    from grassroots.intake.cases.staging import Limits

    settings.GRASSROOTS_INTAKE_LIMITS = Limits(max_bytes=100)
    _rejected(clerk, export, state, "over the limit of 100 bytes")


def test_it_rejects_rows_of_a_unit_outside_the_uploaders_scope(
    clerk, state, export, make_persons
) -> None:
    (export / "persons.csv").write_text(make_persons(unit="370202"), encoding="utf-8")
    error = _rejected(clerk, export, state, "370202")
    assert any(p.column == "unit_code" and p.row == 2 for p in error.problems)


def test_it_rejects_bad_cell_values_naming_file_row_and_column(clerk, state, export) -> None:
    bad = "unit_code,case_id,person_id,arrest_decision_date\n370102,c1,p1,2024/07/02\n"
    (export / "persons.csv").write_text(bad, encoding="utf-8")
    error = _rejected(clerk, export, state, "persons.csv row 2, column arrest_decision_date")
    assert "2024/07/02" in str(error)


def test_it_rejects_an_upload_with_no_records_in_the_period(clerk, state, export) -> None:
    _rejected(clerk, export, state, "no case records fall in period 2023Q1", period="2023Q1")


def test_it_refuses_an_uploader_without_the_right_to_upload_for_the_unit(
    make_member, state, export
) -> None:
    from grassroots.intake.cases.services import UploadRefused
    from grassroots.organisations.models import Role, Unit

    reviewer = make_member(Role.CITY_REVIEWER, "370100")
    other_clerk = make_member(Role.GRASSROOTS_CLERK, "370103")
    before = state()
    for user in (reviewer, other_clerk):
        with pytest.raises(UploadRefused):
            import_cases(
                source=export, unit=Unit.objects.get(code="370102"), period="2024Q3", actor=user
            )
    assert state() == before


def test_of_two_concurrent_uploads_one_wins_and_the_other_is_told(
    clerk, data_dir, export, monkeypatch
) -> None:
    """The second upload is checked while the first is saved: it must be refused, not mixed."""
    from grassroots.intake.cases import services

    unit = clerk.membership.unit
    real_compute = services._compute
    winner: list[DataVersion] = []

    def compute_while_another_upload_lands(*args, **kwargs):
        if not winner:  # only the outer (losing) upload triggers the inner one
            monkeypatch.setattr(services, "_compute", real_compute)
            winner.append(import_cases(source=export, unit=unit, period="2024Q3", actor=clerk))
        return real_compute(*args, **kwargs)

    monkeypatch.setattr(services, "_compute", compute_while_another_upload_lands)
    with pytest.raises(services.ConcurrentUpload) as info:
        import_cases(source=export, unit=unit, period="2024Q3", actor=clerk)
    assert info.value.winner == winner[0]
    assert f"version {winner[0].pk} by clerk" in str(info.value)
    assert list(DataVersion.objects.all()) == winner
    assert [p.name for p in (data_dir / "versions").iterdir()] == [str(winner[0].pk)]


def test_every_new_version_is_audited(clerk, data_dir, export) -> None:
    from grassroots.organisations.models import AuditEntry

    version = import_cases(source=export, unit=clerk.membership.unit, period="2024Q3", actor=clerk)
    entry = AuditEntry.objects.get(model="intake.dataversion", object_id=str(version.pk))
    assert (entry.actor, entry.unit_code, entry.action) == (clerk, "370102", "create")
    assert entry.after["checksum"] == version.checksum
