"""The intake pages and API: uploads, and scoping of every page and endpoint (404 outside)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.intake.cases.services import import_cases
from grassroots.intake.models import DataVersion
from grassroots.organisations.models import Role
from grassroots.organisations.services import issue_token


@pytest.fixture
def version(clerk, data_dir, export) -> DataVersion:
    return import_cases(source=export, unit=clerk.membership.unit, period="2024Q3", actor=clerk)


def _bearer(user) -> dict[str, str]:
    token = issue_token(user=user, name="t", ttl=dt.timedelta(days=1), actor=None).token
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _csv_file(text: str, name: str = "persons.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_the_upload_page_stores_a_version_and_shows_it(client, clerk, data_dir, make_persons):
    client.force_login(clerk)
    response = client.post(
        "/intake/cases/upload/",
        {"unit": "370102", "period": "2024Q3", "file": _csv_file(make_persons())},
    )
    version = DataVersion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/intake/versions/{version.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert version.checksum in page
    assert "arrest_review_cases" in page


def test_the_upload_page_lists_every_problem_and_saves_nothing(client, clerk, state):
    client.force_login(clerk)
    before = state()
    bad = "unit_code,case_id,person_id,arrest_decision_date\n370102,c1,p1,yesterday\n"
    response = client.post(
        "/intake/cases/upload/", {"unit": "370102", "period": "2024Q3", "file": _csv_file(bad)}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "arrest_decision_date" in page
    assert "“yesterday”不是日期" in page  # the engine's problem in the page's language
    assert state() == before


def test_the_upload_form_offers_only_units_the_user_may_upload_for(client, clerk, state):
    client.force_login(clerk)
    page = client.get("/intake/cases/upload/").content.decode()
    assert 'value="370102"' in page
    assert 'value="370103"' not in page
    before = state()
    response = client.post(
        "/intake/cases/upload/",
        {"unit": "370202", "period": "2024Q3", "file": _csv_file("unit_code\n370202\n")},
    )
    assert response.status_code == 400
    assert state() == before


def test_a_reviewer_has_no_upload_page(client, make_member):
    client.force_login(make_member(Role.CITY_REVIEWER, "370100"))
    assert client.get("/intake/cases/upload/").status_code == 404


def test_versions_outside_the_users_scope_are_404_on_pages_and_api(client, version, make_member):
    qingdao = make_member(Role.CITY_REVIEWER, "370200")
    jinan = make_member(Role.CITY_REVIEWER, "370100")
    client.force_login(qingdao)
    assert client.get(f"/intake/versions/{version.pk}/").status_code == 404
    assert f"v{version.pk}" not in client.get("/intake/").content.decode()
    client.logout()
    assert client.get(f"/api/intake/versions/{version.pk}", **_bearer(qingdao)).status_code == 404
    assert client.get("/api/intake/versions", **_bearer(qingdao)).json() == []
    client.force_login(jinan)
    assert client.get(f"/intake/versions/{version.pk}/").status_code == 200
    assert f"v{version.pk}" in client.get("/intake/").content.decode()


def test_the_api_lists_and_shows_versions_with_their_element_values(client, version, clerk):
    listed = client.get("/api/intake/versions?period=2024Q3", **_bearer(clerk)).json()
    assert [v["id"] for v in listed] == [version.pk]
    detail = client.get(f"/api/intake/versions/{version.pk}", **_bearer(clerk)).json()
    values = {v["element"]: v["value"] for v in detail["element_values"]}
    assert detail["row_counts"] == {"events": 2, "persons": 3}
    assert values["arrest_review_cases"] == 3


def test_the_api_upload_creates_a_version(client, clerk, data_dir, make_persons):
    response = client.post(
        "/api/intake/cases",
        {"unit": "370102", "period": "2024Q3", "file": _csv_file(make_persons(rows=4))},
        **_bearer(clerk),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["unit_code"], body["period"], body["row_counts"]) == (
        "370102", "2024Q3", {"persons": 4},
    )  # fmt: skip
    assert DataVersion.objects.get().pk == body["id"]


def test_the_api_upload_reports_problems_by_file_row_column_and_writes_nothing(
    client, clerk, state
):
    auth = _bearer(clerk)  # issuing a token is audited: before the snapshot
    before = state()
    bad = "unit_code,case_id,person_id,arrest_decision\n370102,c1,p1,maybe\n"
    response = client.post(
        "/api/intake/cases", {"unit": "370102", "period": "2024Q3", "file": _csv_file(bad)}, **auth
    )
    assert response.status_code == 400
    [problem] = response.json()["problems"]
    assert (problem["source"], problem["row"], problem["column"]) == (
        "persons.csv", 2, "arrest_decision",
    )  # fmt: skip
    assert state() == before


def test_the_api_upload_for_a_unit_outside_scope_is_404(client, clerk, state, make_persons):
    auth = _bearer(clerk)
    before = state()
    response = client.post(
        "/api/intake/cases",
        {"unit": "370202", "period": "2024Q3", "file": _csv_file(make_persons(unit="370202"))},
        **auth,
    )
    assert response.status_code == 404
    assert state() == before


def test_the_api_upload_by_a_role_that_may_not_upload_is_403(
    client, make_member, state, make_persons
):
    reviewer = make_member(Role.CITY_REVIEWER, "370100")
    auth = _bearer(reviewer)
    before = state()
    response = client.post(
        "/api/intake/cases",
        {"unit": "370102", "period": "2024Q3", "file": _csv_file(make_persons())},
        **auth,
    )
    assert response.status_code == 403
    assert state() == before


def test_the_api_dry_runs_then_imports_figures(client, clerk) -> None:
    auth = _bearer(clerk)
    template = client.get(
        "/api/intake/figures/template?unit=370102&catalogue=cepej&period=2024Q3", **auth
    )
    assert template.status_code == 200
    import io

    from openpyxl import load_workbook

    from grassroots.intake.figures import workbook
    from grassroots.intake.models import ReportedValue

    book = load_workbook(io.BytesIO(template.content))
    book[workbook.SHEET].cell(row=3, column=workbook.VALUE_COLUMN).value = 17
    buffer = io.BytesIO()
    book.save(buffer)

    def send(dry_run: bool):
        upload = SimpleUploadedFile("t.xlsx", buffer.getvalue())
        return client.post(
            "/api/intake/figures", {"file": upload, "dry_run": str(dry_run).lower()}, **auth
        )

    dry = send(True)
    assert dry.status_code == 200, dry.content
    assert dry.json()["changes"] == [
        {"unit_code": "370102", "element": "resolved", "old": None, "new": 17.0}
    ]
    assert not ReportedValue.objects.exists()
    saved = send(False).json()
    assert saved["upload"] is not None
    assert ReportedValue.objects.get().value == 17


def test_the_api_template_outside_scope_is_404(client, clerk) -> None:
    url = "/api/intake/figures/template?unit=370202&catalogue=cepej&period=2024Q3"
    assert client.get(url, **_bearer(clerk)).status_code == 404
