"""Issue 19.5: runs of another province are not listed, an input map shows only the reader's
units, every export checks the export permission, authenticated answers are never stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from grassroots.evaluation.models import EvaluationRun
from grassroots.evaluation.runs import queue_run
from grassroots.evaluation.schemes import latest_scheme_version
from grassroots.organisations.models import Role, Unit


def _queued(folder: Path, scope: Unit) -> EvaluationRun:
    return queue_run(
        scheme_version=latest_scheme_version("core-business"),
        period="2024Q4",
        source=folder,
        actor=None,
        sensitivity=0,
        scope=scope,
    )


@pytest.fixture
def runs_of_both(two_provinces, folder) -> dict[str, EvaluationRun]:
    return {code: _queued(folder, two_provinces[code]) for code in ("370000", "410000")}


def test_the_run_list_of_the_api_holds_only_the_callers_province(bearer, runs_of_both) -> None:
    from django.test import Client

    henan = bearer(Role.PROVINCE_ADMIN, "410000")
    ids = {r["id"] for r in Client().get("/api/evaluation/runs", **henan).json()}
    assert ids == {runs_of_both["410000"].pk}


def test_another_provinces_run_is_404_on_the_api_and_the_page(bearer, login, runs_of_both) -> None:
    from django.test import Client

    henan = bearer(Role.PROVINCE_ADMIN, "410000")
    shandong_run = runs_of_both["370000"].pk
    assert Client().get(f"/api/evaluation/runs/{shandong_run}", **henan).status_code == 404
    page = login(Role.PROVINCE_ADMIN, "410000").get(f"/evaluation/runs/{shandong_run}/")
    assert page.status_code == 404


def test_a_city_sees_its_provinces_run_but_not_its_neighbours(login, runs_of_both) -> None:
    jinan = login(Role.PROVINCE_ADMIN, "370100")
    assert jinan.get(f"/evaluation/runs/{runs_of_both['370000'].pk}/").status_code == 200
    assert jinan.get(f"/evaluation/runs/{runs_of_both['410000'].pk}/").status_code == 404


def test_an_intake_input_map_shows_a_city_only_its_units() -> None:
    from grassroots.evaluation.api import _trim_inputs

    recorded = {
        "cases": {"370102": 7, "370202": 8},
        "checksums": {"7": "a" * 64, "8": "b" * 64},
        "figures": {"3": "c" * 64},
        "missing": {"370203": ["cases"]},
        "unaccepted": ["370203"],
        "units": {"370102": "370100", "370202": "370200", "370203": "370200"},
        "accepted": {"2024Q4": ["370102", "370202"]},
    }
    trimmed = _trim_inputs(recorded, {"370100", "370102"})
    assert trimmed["cases"] == {"370102": 7}
    assert trimmed["checksums"] == {"7": "a" * 64}
    assert trimmed["figures"] == {}
    assert trimmed["missing"] == {}
    assert trimmed["unaccepted"] == []
    assert trimmed["units"] == {"370102": "370100"}
    assert trimmed["accepted"] == {"2024Q4": ["370102"]}


@pytest.mark.parametrize("role", [Role.GRASSROOTS_CLERK, Role.AUDITOR])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_reporting_export_needs_the_export_permission(login, role, fmt) -> None:
    code = "370102" if role == Role.GRASSROOTS_CLERK else "370000"
    client = login(role, code)
    response = client.get("/intake/reporting/", {"period": "2024Q4", "format": fmt})
    assert response.status_code == 403
    assert "Content-Disposition" not in response
    page = client.get("/intake/reporting/", {"period": "2024Q4"})
    assert page.status_code == 200
    assert b"format=csv" not in page.content


def test_a_leader_may_still_export_the_reporting_rate(login) -> None:
    response = login(Role.LEADER, "370000").get(
        "/intake/reporting/", {"period": "2024Q4", "format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    "path", ["/", "/evaluation/", "/intake/reporting/?period=2024Q4&format=csv", "/api/me"]
)
def test_authenticated_answers_are_not_stored(login, path) -> None:
    response = login(Role.LEADER, "370000").get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_token_answers_are_not_stored(bearer, runs_of_both) -> None:
    from django.test import Client

    response = Client().get("/api/evaluation/runs", **bearer(Role.LEADER, "370000"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
