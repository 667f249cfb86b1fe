"""The indicator catalogue is versioned like schemes: stored, viewable, new versions by the
province administrator, recorded in every run and its input hash (issue 11.5)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from grassroots.cli import main
from grassroots.evaluation.inputs import intake_element_frame
from grassroots.evaluation.models import RunStatus
from grassroots.evaluation.runs import INTAKE_SOURCE, reproduce, run_evaluation
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.intake.cases.services import import_cases
from grassroots.intake.catalogues.services import (
    CatalogueError,
    catalogue_of,
    save_catalogue_version,
    shipped_text,
    stored_catalogue,
)
from grassroots.intake.models import CatalogueVersion
from grassroots.organisations.models import AuditEntry, Role

CODE = "spp-case-quality"
UNIT = "370103"
REMANDS = "filter: \"event_type IN ('remand_first', 'remand_second')\""
FIRST_ONLY = "filter: \"event_type IN ('remand_first')\""


def _narrower() -> str:
    text = shipped_text(CODE)
    assert REMANDS in text
    return text.replace(REMANDS, FIRST_ONLY)


@pytest.fixture
def admin(make_member):
    return make_member(Role.PROVINCE_ADMIN, "370000")


@pytest.fixture
def upload(province, admin, settings, tmp_path, accept):
    settings.DATA_DIR = tmp_path / "data"
    folder = tmp_path / "q4"
    folder.mkdir()
    (folder / "events.csv").write_text(
        "unit_code,event_id,case_id,event_type,event_date\n"
        f"{UNIT},e1,c1,remand_first,2024-10-10\n{UNIT},e2,c2,remand_second,2024-11-01\n"
    )
    version = import_cases(source=folder, unit=province[UNIT], period="2024Q4", actor=admin)
    accept("2024Q4", [UNIT])
    return version


@pytest.fixture
def scheme(province):
    load_shipped_schemes()
    return latest_scheme_version("core-business")


def _remanded(run) -> float:
    frame = intake_element_frame(run)
    row = frame[(frame.unit_code == UNIT) & (frame.element == "remanded_cases")]
    return float(row["value"].iloc[0])


def test_the_shipped_catalogue_is_stored_as_version_1_once(province) -> None:
    first = stored_catalogue(CODE)
    assert (first.version, first.yaml_text) == (1, shipped_text(CODE))
    assert stored_catalogue(CODE).pk == first.pk
    assert CatalogueVersion.objects.filter(code=CODE).count() == 1


def test_a_new_version_is_checked_stored_and_audited(province, admin) -> None:
    stored_catalogue(CODE)
    version = save_catalogue_version(
        code=CODE, yaml_text=_narrower(), actor=admin, note="remands: first only"
    )
    assert version.version == 2
    assert catalogue_of(version).elements["remanded_cases"].rule.filter.count("remand_") == 1
    entry = AuditEntry.objects.get(object_id=str(version.pk), model="intake.catalogueversion")
    assert entry.reason == "remands: first only"


def test_a_broken_catalogue_is_refused_naming_the_line_in_both_languages(province, admin):
    stored_catalogue(CODE)
    broken = _narrower().replace("remanded_cases", "remanded cases", 1)
    with pytest.raises(CatalogueError) as error:
        save_catalogue_version(code=CODE, yaml_text=broken, actor=admin, note="typo")
    message = str(error.value)
    assert "指标目录有误" in message
    assert "the catalogue has errors" in message
    assert f"{CODE}.yaml" in message
    assert CatalogueVersion.objects.filter(code=CODE).count() == 1


@pytest.mark.parametrize("code", ["../spp-case-quality", "/etc/passwd", "other"])
def test_only_a_registered_catalogue_name_is_stored(province, admin, code) -> None:
    with pytest.raises(CatalogueError, match="no registered catalogue"):
        save_catalogue_version(code=code, yaml_text=shipped_text(CODE), actor=admin)
    assert not CatalogueVersion.objects.exists()


def test_a_run_records_its_catalogue_version_and_hashes_its_text(scheme, upload, admin):
    before = run_evaluation(
        scheme_version=scheme, period="2024Q4", source=INTAKE_SOURCE, actor=None
    )
    assert before.status == RunStatus.DONE, before.error
    assert before.catalogue_version.version == 1
    assert _remanded(before) == 2

    save_catalogue_version(code=CODE, yaml_text=_narrower(), actor=admin, note="first only")
    after = run_evaluation(scheme_version=scheme, period="2024Q4", source=INTAKE_SOURCE, actor=None)
    assert after.catalogue_version.version == 2
    # Same scheme, data and parameters: only the catalogue differs, and so does the hash.
    assert after.data_versions == before.data_versions
    assert after.input_hash != before.input_hash
    assert _remanded(after) == 1
    # The earlier run is reproduced with the version it recorded.
    assert _remanded(before) == 2
    assert reproduce(before) is True


def test_a_folder_run_records_the_catalogue_too(scheme, province, tmp_path) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "events.csv").write_text(
        f"unit_code,event_id,case_id,event_type,event_date\n{UNIT},e1,c1,remand_first,2024-10-10\n"
    )
    run = run_evaluation(scheme_version=scheme, period="2024Q4", source=folder, actor=None)
    assert run.catalogue_version == stored_catalogue(CODE)


def test_runs_verify_names_a_catalogue_change(scheme, upload, admin, capsys) -> None:
    run = run_evaluation(scheme_version=scheme, period="2024Q4", source=INTAKE_SOURCE, actor=None)
    assert main(["runs", "verify", str(run.pk)]) == 0
    assert "catalogue changed" not in capsys.readouterr().out
    save_catalogue_version(code=CODE, yaml_text=_narrower(), actor=admin, note="first only")
    assert main(["runs", "verify", str(run.pk)]) == 0
    out = capsys.readouterr().out
    assert f"run {run.pk}: reproduced" in out
    assert f"catalogue changed: {CODE} version 1 → 2" in out


def test_every_member_sees_the_catalogue_page(province, make_member) -> None:
    stored_catalogue(CODE)
    client = Client()
    client.force_login(make_member(Role.GRASSROOTS_CLERK, UNIT))
    page = client.get(reverse("intake:catalogue", args=[CODE]))
    assert page.status_code == 200
    assert b"Save as a new version" not in page.content
    assert "保存为新版本" not in page.text
    version = client.get(reverse("intake:catalogue-version", args=[CODE, 1]))
    assert version.status_code == 200
    assert "remanded_cases" in version.text
    assert client.get(reverse("intake:catalogue-version", args=[CODE, 9])).status_code == 404
    assert client.get(reverse("intake:catalogue", args=["no-such"])).status_code == 404


def test_only_the_province_administrator_adds_a_version(province, make_member, admin) -> None:
    stored_catalogue(CODE)
    url = reverse("intake:catalogue", args=[CODE])
    data = {"yaml_text": _narrower(), "note": "first only"}
    reviewer = Client()
    reviewer.force_login(make_member(Role.CITY_REVIEWER, "370100"))
    assert reviewer.post(url, data).status_code == 403
    assert CatalogueVersion.objects.filter(code=CODE).count() == 1

    client = Client()
    client.force_login(admin)
    assert client.post(url, data).status_code == 302
    assert CatalogueVersion.objects.get(code=CODE, version=2).created_by == admin


def test_the_page_shows_the_engines_error_and_stores_nothing(province, admin) -> None:
    stored_catalogue(CODE)
    client = Client()
    client.force_login(admin)
    broken = shipped_text(CODE).replace("measure: {count_distinct: case_id}", "measure: {}", 1)
    page = client.post(
        reverse("intake:catalogue", args=[CODE]), {"yaml_text": broken, "note": "oops"}
    )
    assert page.status_code == 200
    assert "the catalogue has errors" in page.text
    assert CatalogueVersion.objects.filter(code=CODE).count() == 1


def test_the_records_page_shows_the_value_the_run_computed_not_the_uploads(
    scheme, upload, admin
) -> None:
    """Run → element value → records: the catalogue changed after the upload (remands: first
    only), so the version's stored value (2) is not what the run read (1); the records page
    shows the run's value, the one its listed records add up to."""
    save_catalogue_version(code=CODE, yaml_text=_narrower(), actor=admin, note="first only")
    run = run_evaluation(scheme_version=scheme, period="2024Q4", source=INTAKE_SOURCE, actor=None)
    assert run.status == RunStatus.DONE, run.error
    assert _remanded(run) == 1
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("evaluation:element-records", args=[run.pk, UNIT, "remanded_cases"]))
    assert page.status_code == 200
    assert page.context["found"].total == 1
    assert page.context["value"] == 1
