"""Figure pages: template download, dry run then confirm, marked workbook, history; scoping."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from grassroots.intake.figures import workbook
from grassroots.intake.models import ReportedValue, ValueChange
from grassroots.organisations.models import Role


def _template(client, unit: str = "370102") -> bytes:
    response = client.get(f"/intake/figures/template/?unit={unit}&catalogue=cepej&period=2024Q3")
    assert response.status_code == 200
    return response.content


def _filled(template: bytes, value: object) -> SimpleUploadedFile:
    book = load_workbook(io.BytesIO(template))
    book[workbook.SHEET].cell(row=2, column=workbook.VALUE_COLUMN).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("filled.xlsx", buffer.getvalue())


def test_a_clerk_downloads_fills_dry_runs_and_confirms(client, clerk) -> None:
    client.force_login(clerk)
    template = _template(client)
    response = client.post("/intake/figures/upload/", {"file": _filled(template, 42)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "incoming" in page
    assert not ReportedValue.objects.exists()  # a dry run saves nothing
    token = response.context["token"]
    confirmed = client.post(f"/intake/figures/confirm/{token}/")
    assert confirmed.status_code == 302
    value = ReportedValue.objects.get()
    assert (value.unit.code, value.element, value.value) == ("370102", "incoming", 42)
    history = client.get("/intake/values/?unit=370102&period=2024Q3").content.decode()
    assert "filled.xlsx" in history
    assert ValueChange.objects.get().actor == clerk
    # the token was used up
    assert client.post(f"/intake/figures/confirm/{token}/").status_code == 404


def test_a_rejected_workbook_can_be_downloaded_with_the_bad_cell_marked(client, clerk) -> None:
    client.force_login(clerk)
    response = client.post("/intake/figures/upload/", {"file": _filled(_template(client), "x")})
    assert response.status_code == 400
    # The engine's problem in the page's language (issue 19.7), on the page and in the workbook.
    assert "“x”不是数字" in response.content.decode()
    marked = client.get(f"/intake/figures/marked/{response.context['marked']}/")
    book = load_workbook(io.BytesIO(b"".join(marked.streaming_content)))
    comment = book[workbook.SHEET].cell(row=2, column=workbook.VALUE_COLUMN).comment
    assert comment is not None
    assert "“x”不是数字" in comment.text
    assert not ReportedValue.objects.exists()


def test_another_session_cannot_use_an_upload_token(client, clerk, make_member) -> None:
    client.force_login(clerk)
    token = client.post("/intake/figures/upload/", {"file": _filled(_template(client), 3)}).context[
        "token"
    ]
    client.force_login(make_member(Role.PROVINCE_ADMIN, "370000", "admin"))
    assert client.post(f"/intake/figures/confirm/{token}/").status_code == 404
    assert not ReportedValue.objects.exists()


def test_templates_and_history_outside_scope_are_404(client, clerk) -> None:
    client.force_login(clerk)
    url = "/intake/figures/template/?unit=370202&catalogue=cepej&period=2024Q3"
    assert client.get(url).status_code == 404
    assert client.get("/intake/values/?unit=370103&period=2024Q3").status_code == 404
    assert client.get("/intake/values/?unit=370102&period=2024Q3").status_code == 200


def test_a_city_template_lists_every_unit_of_the_city(client, make_member) -> None:
    client.force_login(make_member(Role.CITY_REVIEWER, "370100"))
    rows = load_workbook(io.BytesIO(_template(client, "370100")))[workbook.SHEET].iter_rows(
        min_row=2, values_only=True
    )
    assert {r[0] for r in rows} == {"370102", "370103", "370104"}


def test_a_reviewer_may_not_upload_figures(client, make_member) -> None:
    client.force_login(make_member(Role.CITY_REVIEWER, "370100"))
    assert client.get("/intake/figures/upload/").status_code == 404
    assert client.get("/intake/figures/").status_code == 200
