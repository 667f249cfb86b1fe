"""Runs that read intake's data versions and reported figures instead of a case-record folder.

The province's generated records are imported as one province-wide data version; a unit's own
later upload takes precedence for that unit. A run records exactly which version each unit's
values came from and is reproduced from those versions even after they are superseded.
"""

from __future__ import annotations

import pytest

from grassroots.evaluation.errors import RunError
from grassroots.evaluation.inputs import intake_element_frame
from grassroots.evaluation.models import RunStatus, SourceKind
from grassroots.evaluation.runs import (
    INTAKE_SOURCE,
    input_hash,
    queue_run,
    reproduce,
    run_evaluation,
)
from grassroots.intake.cases.services import import_cases
from grassroots.intake.models import DataVersion
from grassroots.organisations.models import Unit

PERIOD = "2024Q4"
ABSENT = "370102"  # the province-wide version leaves this unit out (conftest)


def test_a_run_from_intake_records_the_version_of_every_unit(scheme, province_version) -> None:
    run = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    assert run.status == RunStatus.DONE, run.error
    assert run.source_kind == SourceKind.INTAKE
    recorded = run.data_versions
    with_records = set(province_version.element_values.values_list("unit__code", flat=True))
    assert set(recorded["cases"]) == with_records
    assert set(recorded["cases"].values()) == {province_version.pk}
    assert recorded["checksums"] == {str(province_version.pk): province_version.checksum}
    # Units without a version for the period are listed, not dropped: scored as missing.
    grassroots = set(recorded["units"])
    assert ABSENT in grassroots
    assert ABSENT not in with_records
    assert set(recorded["missing"]) == grassroots - with_records
    assert all(gaps == ["cases"] for gaps in recorded["missing"].values())
    scored = set(run.results.filter(node="core-business").values_list("unit_code", flat=True))
    assert scored == grassroots
    for code in recorded["missing"]:
        row = run.results.get(node="core-business", unit_code=code)
        assert row.score is None
        assert "missing" in row.flags
    assert run.catalogue_version is not None
    assert run.input_hash == input_hash(
        scheme_text=scheme.yaml_text,
        catalogue_text=run.catalogue_version.yaml_text,
        period=PERIOD,
        versions=recorded,
        parameters=run.parameters,
    )
    assert reproduce(run) is True


def test_intake_and_the_case_folder_give_the_same_scores(scheme, province_version, cases_dir):
    from_intake = run_evaluation(
        scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None
    )
    from_folder = run_evaluation(scheme_version=scheme, period=PERIOD, source=cases_dir, actor=None)
    indicator = "non_arrest_rate"
    a = dict(from_intake.results.filter(node=indicator).values_list("unit_code", "value"))
    b = dict(from_folder.results.filter(node=indicator).values_list("unit_code", "value"))
    shared = [c for c in from_intake.data_versions["cases"] if b.get(c) is not None]
    assert len(shared) > 100
    assert all(a[c] == pytest.approx(b[c]) for c in shared)


def test_a_units_own_upload_takes_precedence_and_superseding_it_later_changes_no_run(
    scheme, admin, province_version, cases_dir, shandong, tmp_path, unit_export, accept, reopen
) -> None:
    export_unit = unit_export
    code = sorted(set(province_version.element_values.values_list("unit__code", flat=True)))[0]
    unit = Unit.objects.get(code=code)
    reopen(PERIOD, [code])
    own = import_cases(
        source=export_unit(cases_dir, code, tmp_path / "own"), unit=unit, period=PERIOD, actor=admin
    )
    accept(PERIOD, [code])
    run = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    assert run.data_versions["cases"][code] == own.pk
    others = {v for c, v in run.data_versions["cases"].items() if c != code}
    assert others == {province_version.pk}
    before = dict(run.results.filter(unit_code=code).values_list("node", "score"))

    # A corrected upload (fewer records) supersedes the unit's version after the run.
    reopen(PERIOD, [code])
    newer = import_cases(
        source=export_unit(cases_dir, code, tmp_path / "newer", keep=0.5),
        unit=unit,
        period=PERIOD,
        actor=admin,
    )
    assert newer.supersedes_id == own.pk
    assert reproduce(run) is True  # still computed from the superseded version
    frame = intake_element_frame(run)
    assert set(frame.loc[frame["unit_code"] == code, "source"]) == {f"version:{own.pk}"}

    accept(PERIOD, [code])
    later = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    assert later.data_versions["cases"][code] == newer.pk
    assert later.input_hash != run.input_hash
    after = dict(later.results.filter(unit_code=code).values_list("node", "score"))
    assert after != before


def test_a_run_from_intake_refuses_when_intake_has_nothing_for_the_period(scheme, data_dir):
    with pytest.raises(RunError, match="2023Q1"):  # no data, so none accepted either
        queue_run(scheme_version=scheme, period="2023Q1", source=INTAKE_SOURCE, actor=None)


def test_a_run_from_intake_can_be_limited_to_a_city(scheme, province_version, shandong):
    run = run_evaluation(
        scheme_version=scheme,
        period=PERIOD,
        source=INTAKE_SOURCE,
        actor=None,
        scope=shandong["370100"],
    )
    assert run.parameters["scope"] == "370100"
    assert run.data_versions["units"]
    assert all(c.startswith("3701") for c in run.data_versions["units"])
    assert set(run.results.values_list("unit_code", flat=True)) == set(run.data_versions["units"])


def test_a_changed_version_checksum_stops_reproduction(scheme, province_version) -> None:
    run = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    DataVersion.objects.filter(pk=province_version.pk).update(checksum="0" * 64)
    with pytest.raises(RunError, match="checksum changed"):
        reproduce(run)


# ------------------------------------------------------------------------- command line


def test_evaluate_from_intake_save_stores_the_run_and_prints_what_it_read(
    province_version, capsys
) -> None:
    from grassroots.cli import main
    from grassroots.evaluation.models import EvaluationRun

    args = ["evaluate", "--scheme", "core-business", "--period", PERIOD, "--from-intake", "--save"]
    assert main(args) == 0
    run = EvaluationRun.objects.get()
    assert run.source_kind == SourceKind.INTAKE
    assert set(run.data_versions["cases"].values()) == {province_version.pk}
    out = capsys.readouterr().out
    assert f"run {run.pk}: done" in out
    assert f"read 1 data version(s) for {len(run.data_versions['cases'])} unit(s)" in out
    assert main(["runs", "verify", str(run.pk)]) == 0


def test_evaluate_from_intake_without_save_writes_the_file_and_stores_nothing(
    province_version, tmp_path
) -> None:
    from grassroots.cli import main
    from grassroots.evaluation.models import EvaluationRun

    out = tmp_path / "r.csv"
    args = ["evaluate", "--scheme", "core-business", "--period", PERIOD, "--from-intake"]
    assert main([*args, "--scope", "370100", "--out", str(out)]) == 0
    assert not EvaluationRun.objects.exists()
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 10
    assert all(line.split(",")[0].startswith("3701") for line in lines[1:])


def test_evaluate_from_intake_needs_an_out_file_or_save(shandong, capsys) -> None:
    from grassroots.cli import main

    args = ["evaluate", "--scheme", "core-business", "--period", PERIOD, "--from-intake"]
    assert main(args) == 2
    assert "--out FILE is needed" in capsys.readouterr().err


def test_runs_create_from_intake_with_an_unknown_scope_exits_2(shandong, capsys) -> None:
    from grassroots.cli import main

    args = ["runs", "create", "--scheme", "core-business", "--period", PERIOD]
    assert main([*args, "--from-intake", "--scope", "999999"]) == 2
    assert "--scope 999999: no such unit" in capsys.readouterr().err


# ------------------------------------------------------------------------- web and API


def test_the_start_form_offers_intake_and_queues_a_run_from_it(
    scheme, province_version, member
) -> None:
    from django.urls import reverse

    from grassroots.evaluation.models import EvaluationRun
    from grassroots.organisations.models import Role

    client = member(Role.PROVINCE_ADMIN, "370000")
    page = client.get(reverse("evaluation:index"))
    assert INTAKE_SOURCE in dict(page.context["form"].fields["source"].choices)
    response = client.post(
        reverse("evaluation:index"),
        {
            "scheme": scheme.pk,
            "period": PERIOD,
            "source": INTAKE_SOURCE,
            "sensitivity": 0,
            "seed": 1,
        },
    )
    assert response.status_code == 302
    run = EvaluationRun.objects.get()
    assert run.status == RunStatus.QUEUED
    assert run.source_kind == SourceKind.INTAKE
    assert run.parameters["scope"] == "370000"
    assert set(run.data_versions["cases"].values()) == {province_version.pk}


def test_the_start_form_reports_a_period_without_data_and_saves_nothing(
    scheme, province_version, member
) -> None:
    from django.urls import reverse

    from grassroots.evaluation.models import EvaluationRun
    from grassroots.organisations.models import Role

    response = member(Role.PROVINCE_ADMIN, "370000").post(
        reverse("evaluation:index"),
        {
            "scheme": scheme.pk,
            "period": "2023Q1",
            "source": INTAKE_SOURCE,
            "sensitivity": 0,
            "seed": 1,
        },
    )
    assert response.status_code == 200
    assert "2023Q1" in response.content.decode()
    assert not EvaluationRun.objects.exists()


def test_the_api_queues_a_run_from_intake(scheme, province_version, member) -> None:
    from grassroots.evaluation.models import EvaluationRun
    from grassroots.organisations.models import Role

    payload = {"scheme": "core-business", "period": PERIOD, "from_intake": True}
    assert (
        member(Role.LEADER, "370000")
        .post("/api/evaluation/runs", payload, content_type="application/json")
        .status_code
        == 403
    )
    admin = member(Role.PROVINCE_ADMIN, "370000")
    response = admin.post("/api/evaluation/runs", payload, content_type="application/json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["source_kind"] == "intake"
    assert set(body["data_versions"]["cases"].values()) == {province_version.pk}
    assert ABSENT in body["data_versions"]["missing"]
    both = admin.post(
        "/api/evaluation/runs", {**payload, "source": "/etc"}, content_type="application/json"
    )
    assert both.status_code == 422
    empty = admin.post(
        "/api/evaluation/runs", {**payload, "period": "2023Q1"}, content_type="application/json"
    )
    assert empty.status_code == 422
    assert "2023Q1" in empty.json()["detail"]
    assert EvaluationRun.objects.count() == 1


# ------------------------------------------------------- one export, one version per unit


def test_a_province_export_becomes_one_version_per_unit_and_twice_adds_nothing(
    scheme, admin, data_dir, cases_dir, shandong, unit_export, tmp_path, accept, reopen
) -> None:
    from grassroots.intake.cases.bulk import import_cases_by_unit

    created = import_cases_by_unit(
        source=cases_dir, root=shandong["370000"], period=PERIOD, actor=admin
    )
    assert len(created) > 100
    assert all(v.unit.level == "grassroots" for v in created)
    for version in created[:5]:
        codes = set(version.element_values.values_list("unit__code", flat=True))
        assert codes == {version.unit.code}
        assert (data_dir / "versions" / str(version.pk) / "persons.parquet").is_file()
    assert (
        import_cases_by_unit(source=cases_dir, root=shandong["370000"], period=PERIOD, actor=admin)
        == []
    )

    accept(PERIOD)
    run = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    assert run.status == RunStatus.DONE, run.error
    assert run.data_versions["cases"] == {v.unit.code: v.pk for v in created}
    # The same records as the folder: the same scores.
    from_folder = run_evaluation(scheme_version=scheme, period=PERIOD, source=cases_dir, actor=None)
    a = dict(run.results.filter(node="core-business").values_list("unit_code", "score"))
    b = dict(from_folder.results.filter(node="core-business").values_list("unit_code", "score"))
    assert a.keys() == b.keys()
    assert all((a[c] is None and b[c] is None) or a[c] == pytest.approx(b[c]) for c in a)

    # A unit's re-upload supersedes only that unit's version.
    first = created[0]
    reopen(PERIOD, [first.unit.code])
    again = import_cases(
        source=export_half(unit_export, cases_dir, first.unit.code, tmp_path),
        unit=first.unit,
        period=PERIOD,
        actor=admin,
    )
    assert again.supersedes_id == first.pk
    assert DataVersion.objects.filter(supersedes__isnull=False).count() == 1


def export_half(unit_export, cases_dir, code, tmp_path):
    return unit_export(cases_dir, code, tmp_path / "half", keep=0.5)


def test_a_province_export_is_refused_for_a_clerk(shandong, data_dir, cases_dir) -> None:
    from django.contrib.auth import get_user_model

    from grassroots.intake.cases.bulk import import_cases_by_unit
    from grassroots.intake.cases.services import UploadRefused
    from grassroots.organisations.models import Role
    from grassroots.organisations.services import add_member

    clerk = get_user_model().objects.create_user(username="bulk-clerk", password="x")
    add_member(user=clerk, unit=shandong["370102"], role=Role.GRASSROOTS_CLERK, actor=None)
    with pytest.raises(UploadRefused):
        import_cases_by_unit(source=cases_dir, root=shandong["370000"], period=PERIOD, actor=clerk)
    assert not DataVersion.objects.exists()
    assert (
        list((data_dir / "versions").iterdir()) == [] if (data_dir / "versions").exists() else True
    )


def test_pairing_counts_caseloads_in_the_versions_a_run_read_once_per_unit(
    scheme,
    admin,
    province_version,
    cases_dir,
    shandong,
    tmp_path,
    unit_export,
    accept,
    reopen,
    published,
) -> None:
    import duckdb

    from grassroots.assistance.decisions.selectors import _caseload

    code = sorted(set(province_version.element_values.values_list("unit__code", flat=True)))[0]
    reopen(PERIOD, [code])
    own = import_cases(
        source=unit_export(cases_dir, code, tmp_path / "own"),
        unit=Unit.objects.get(code=code),
        period=PERIOD,
        actor=admin,
    )
    accept(PERIOD, [code])
    run = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    assert run.status == RunStatus.DONE, run.error
    published(run)
    load, source = _caseload(PERIOD, path=shandong["370000"].path)
    assert source == f"data versions of run #{run.pk}"
    counted = dict(zip(load["unit_code"], load["caseload"], strict=True))
    with duckdb.connect() as con:
        expected = dict(
            con.execute(
                "select unit_code, count(*) from read_parquet(?) group by 1",
                [str(cases_dir / "persons*.parquet")],
            ).fetchall()
        )
    # The unit's rows are in both its own upload and the province-wide one: counted once.
    assert counted[code] == expected[code]
    assert own.pk == run.data_versions["cases"][code]
    # Every unit the run read is counted exactly as in the export; the absent one is not.
    assert set(counted) == set(run.data_versions["cases"])
    assert all(counted[c] == expected[c] for c in counted)
    assert ABSENT not in counted


def test_validation_and_runs_read_intakes_current_values_by_one_rule(
    scheme, admin, province_version, cases_dir, tmp_path, unit_export, accept, reopen
) -> None:
    from grassroots.intake.selectors import current_values

    code = sorted(set(province_version.element_values.values_list("unit__code", flat=True)))[0]
    unit = Unit.objects.get(code=code)
    reopen(PERIOD, [code])
    own = import_cases(
        source=unit_export(cases_dir, code, tmp_path / "own"), unit=unit, period=PERIOD, actor=admin
    )
    accept(PERIOD, [code])
    run = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    read = intake_element_frame(run, units=[code])
    current = current_values(units=[unit], periods=[PERIOD], catalogue="spp-case-quality")
    mine = dict(own.element_values.filter(unit=unit).values_list("element", "value"))
    assert set(read["source"]) == {f"version:{own.pk}"}
    assert dict(zip(read["element"], read["value"], strict=True)) == {
        e: v for e, v in mine.items() if e in set(read["element"])
    }
    assert dict(zip(current["element"], current["value"], strict=True)) == mine
