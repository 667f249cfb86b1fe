"""Issue 19.5: schemes, catalogues and exit standards belong to the province that made them.
The shipped national default is copied into a province, never shared for writing: the Henan
administrator's edit must not become Shandong's version."""

from __future__ import annotations

import pytest

from grassroots.assistance.exits.standard import current_standard, save_standard, shipped_text
from grassroots.assistance.models import ExitStandard
from grassroots.assistance.stored import rank_visibility
from grassroots.evaluation.models import SchemeVersion
from grassroots.evaluation.schemes import latest_scheme_version
from grassroots.intake.catalogues.services import (
    current_catalogue,
    latest_catalogue_version,
    stored_catalogue,
)
from grassroots.intake.models import CatalogueVersion
from grassroots.organisations.models import AuditEntry, Role
from grassroots.organisations.versions import ProvinceVersion

SHOWN_TO_EVERYONE = (
    "show_ranks_to: [province_admin, city_admin, unit_leader, grassroots_clerk, leader]"
)


def _henan_edits_the_scheme(login) -> str:
    admin = login(Role.PROVINCE_ADMIN, "410000")
    national = latest_scheme_version("core-business").yaml_text
    edited = national.replace("show_ranks_to: [province_admin, city_admin]", SHOWN_TO_EVERYONE)
    assert edited != national
    response = admin.post(
        "/evaluation/schemes/core-business/",
        {"yaml_text": edited, "note": "河南省：向所有角色显示排名"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return edited


def test_a_provinces_scheme_edit_is_its_own(two_provinces, login) -> None:
    national = latest_scheme_version("core-business")
    edited = _henan_edits_the_scheme(login)
    henan = latest_scheme_version("core-business", province=two_provinces["410000"])
    shandong = latest_scheme_version("core-business", province=two_provinces["370000"])
    assert henan.yaml_text == edited
    assert henan.province == two_provinces["410000"]
    # Henan's history starts from a copy of the national default.
    first = SchemeVersion.objects.get(province=two_provinces["410000"], version=1)
    assert first.yaml_text == national.yaml_text
    assert shandong.pk == national.pk
    assert shandong.yaml_text == national.yaml_text
    assert latest_scheme_version("core-business").pk == national.pk
    page = login(Role.PROVINCE_ADMIN, "370000").get("/evaluation/schemes/core-business/")
    assert SHOWN_TO_EVERYONE not in page.content.decode()


def test_henans_rank_visibility_does_not_reach_shandongs_clerks(
    two_provinces, user_at, login
) -> None:
    _henan_edits_the_scheme(login)
    henan_clerk = user_at(Role.GRASSROOTS_CLERK, "410102")
    shandong_clerk = user_at(Role.GRASSROOTS_CLERK, "370102")
    assert rank_visibility(henan_clerk).ranks
    assert not rank_visibility(shandong_clerk).ranks


def test_the_api_runs_the_callers_provinces_scheme(two_provinces, login, bearer, data_dir) -> None:
    from django.test import Client

    edited = _henan_edits_the_scheme(login)
    source = data_dir / "cases" / "2024"
    source.mkdir(parents=True)
    (source / "persons.parquet").write_bytes(b"PAR1")
    body = {"scheme": "core-business", "period": "2024Q4", "source": str(source.resolve())}
    answers = {}
    for code in ("410000", "370000"):
        response = Client().post(
            "/api/evaluation/runs",
            body | {"sensitivity": 0},
            content_type="application/json",
            **bearer(Role.PROVINCE_ADMIN, code),
        )
        assert response.status_code == 202
        answers[code] = SchemeVersion.objects.get(
            code="core-business",
            province__code=code if code == "410000" else None,
            version=response.json()["scheme_version"],
        )
    assert answers["410000"].yaml_text == edited
    assert answers["370000"].province is None


def test_a_provinces_catalogue_edit_is_its_own(two_provinces, login) -> None:
    shipped = stored_catalogue("spp-case-quality")
    edited = shipped.yaml_text.replace(
        "name: spp-case-quality", "name: spp-case-quality  # 河南省修订", 1
    )
    assert edited != shipped.yaml_text
    response = login(Role.PROVINCE_ADMIN, "410000").post(
        "/intake/catalogues/spp-case-quality/", {"yaml_text": edited, "note": "河南省修订"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    henan = latest_catalogue_version("spp-case-quality", province=two_provinces["410000"])
    shandong = latest_catalogue_version("spp-case-quality", province=two_provinces["370000"])
    assert henan is not None
    assert henan.yaml_text == edited
    assert shandong is not None
    assert shandong.pk == shipped.pk
    assert CatalogueVersion.objects.filter(province__isnull=True).count() == 1
    # Shandong's page still shows the national text, and Shandong's history is the nation's.
    page = login(Role.PROVINCE_ADMIN, "370000").get("/intake/catalogues/spp-case-quality/")
    assert "河南省修订" not in page.content.decode()
    assert current_catalogue("spp-case-quality", province=two_provinces["370000"]) is not None


def test_exit_standards_are_copied_per_province(two_provinces, user_at) -> None:
    henan_admin = user_at(Role.PROVINCE_ADMIN, "410000")
    shandong = current_standard(province=two_provinces["370000"])
    edited = shipped_text().replace("title_zh:", "# 河南\ntitle_zh:", 1)
    save_standard(
        province=two_provinces["410000"], yaml_text=edited, note="河南", actor=henan_admin
    )
    assert current_standard(province=two_provinces["410000"]).yaml_text == edited
    assert current_standard(province=two_provinces["370000"]).pk == shandong.pk
    assert ExitStandard.objects.filter(province=two_provinces["410000"]).count() == 2


def test_version_entries_name_their_province_for_its_auditors(two_provinces, login) -> None:
    _henan_edits_the_scheme(login)
    entries = AuditEntry.objects.filter(model="evaluation.schemeversion")
    henan_ids = {
        str(pk)
        for pk in SchemeVersion.objects.filter(province=two_provinces["410000"]).values_list(
            "pk", flat=True
        )
    }
    assert {e.unit_code for e in entries if e.object_id in henan_ids} == {"410000"}


@pytest.mark.parametrize("model", [SchemeVersion, CatalogueVersion, ExitStandard])
def test_the_three_stores_share_one_mechanism(model) -> None:
    assert issubclass(model, ProvinceVersion)
    assert model._meta.get_field("province").related_model._meta.label == "organisations.Unit"


def test_a_provinces_deadline_is_its_own(two_provinces, login, user_at) -> None:
    """A setting, too: the Henan administrator's deadline is not Shandong's."""
    import datetime as dt

    from grassroots.intake.reporting.services import deadline_for, set_deadline

    henan_admin = user_at(Role.PROVINCE_ADMIN, "410000")
    set_deadline(period="2024Q4", due=dt.date(2025, 1, 10), actor=henan_admin)
    assert deadline_for("2024Q4", province=two_provinces["410000"]).due == dt.date(2025, 1, 10)
    assert deadline_for("2024Q4", province=two_provinces["370000"]) is None
    page = login(Role.PROVINCE_ADMIN, "370000").get("/intake/reporting/", {"period": "2024Q4"})
    assert "2025-01-10" not in page.content.decode()
    shandong_admin = user_at(Role.PROVINCE_ADMIN, "370000", username="sd-admin")
    set_deadline(period="2024Q4", due=dt.date(2025, 1, 20), actor=shandong_admin)
    assert deadline_for("2024Q4", province=two_provinces["410000"]).due == dt.date(2025, 1, 10)
    assert deadline_for("2024Q4", province=two_provinces["370000"]).due == dt.date(2025, 1, 20)
