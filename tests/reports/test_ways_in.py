"""Issue 12.5: the reports page, the API and the CLI; scope and role rules (out of scope: 404)."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from grassroots.cli import main
from grassroots.evaluation import background
from grassroots.organisations.models import Role, Unit
from grassroots.reports.models import Document
from grassroots.reports.services import generate_document

PERIOD = "2024Q4"


def test_the_page_generates_lists_and_downloads(world, member) -> None:
    client, user = member(Role.CITY_REVIEWER, "370100")
    page = client.get("/reports/")
    assert page.status_code == 200
    assert "季度通报" in page.content.decode() or "生成" in page.content.decode()
    response = client.post(
        "/reports/generate/",
        {"product": "bulletin", "scope": "370100", "period": PERIOD, "format": "xlsx"},
    )
    assert response.status_code == 302
    assert Document.objects.count() == 0  # queued: the background worker makes it
    assert background.run_jobs()["reports-documents"] == 1
    document = Document.objects.get()
    assert document.scope.code == "370100"
    assert document.generated_by == user
    listing = client.get("/reports/").content.decode()
    assert f"/reports/documents/{document.pk}/" in listing
    download = client.get(f"/reports/documents/{document.pk}/")
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == document.sha256
    # Outside the city's scope: not offered, and refused as not found.
    bad = client.post(
        "/reports/generate/",
        {"product": "bulletin", "scope": "370200", "period": PERIOD, "format": "pdf"},
    )
    assert bad.status_code == 302
    assert Document.objects.count() == 1
    other = generate_document(
        product="bulletin",
        scope=Unit.objects.get(code="370200"),
        period=PERIOD,
        fmt="xlsx",
        actor=world["admin"],
    )
    assert client.get(f"/reports/documents/{other.pk}/").status_code == 404
    assert f"/reports/documents/{other.pk}/" not in client.get("/reports/").content.decode()


def test_a_period_without_a_published_run_is_a_message_on_the_page(world) -> None:
    client = Client()
    client.force_login(world["admin"])
    response = client.post(
        "/reports/generate/",
        {"product": "bulletin", "scope": "370000", "period": "2022Q1", "format": "pdf"},
        follow=True,
    )
    assert "2022Q1" in response.content.decode()
    assert Document.objects.count() == 0


def test_roles_without_documents_get_404(province, make_member) -> None:
    for role in (Role.GRASSROOTS_CLERK, Role.AUDITOR):
        client = Client()
        client.force_login(make_member(role, "370102", username=f"u-{role}"))
        assert client.get("/reports/").status_code == 404
        assert client.post("/reports/generate/", {}).status_code == 404
        assert client.post("/reports/narrative/", {}).status_code == 404
        assert client.post("/reports/policy/", {}).status_code == 404
    assert Client().get("/reports/").status_code == 302  # to the login page


def test_the_policy_form_is_the_province_administrators(province, make_member) -> None:
    client = Client()
    client.force_login(make_member(Role.PROVINCE_ADMIN, "370000"))
    response = client.post(
        "/reports/policy/",
        {"policy-ranking": "ranking", "policy-marking": "内部", "policy-issuer": ""},
    )
    assert response.status_code == 302
    from grassroots.reports.selectors import policy_for

    assert policy_for(province["370000"]).ranking == "ranking"
    city = Client()
    city.force_login(make_member(Role.CITY_REVIEWER, "370100"))
    assert city.post("/reports/policy/", {"policy-ranking": "analysis"}).status_code == 404


def test_the_narrative_form_keeps_the_text(province, make_member) -> None:
    from grassroots.reports.selectors import narratives

    client = Client()
    client.force_login(make_member(Role.CITY_REVIEWER, "370100"))
    client.post(
        "/reports/narrative/",
        {
            "narrative-scope": "370100",
            "narrative-period": "2024Q4",
            "narrative-section": "next_steps",
            "narrative-text": "加强数据质量核查",
        },
    )
    assert (
        narratives(product="bulletin", scope=province["370100"], period="2024Q4")["next_steps"]
        == "加强数据质量核查"
    )
    client.post(
        "/reports/narrative/",
        {
            "narrative-scope": "370200",
            "narrative-period": "2024Q4",
            "narrative-section": "next_steps",
            "narrative-text": "越权",
        },
    )
    assert (
        narratives(product="bulletin", scope=province["370200"], period="2024Q4")["next_steps"]
        == ""
    )


def _api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_api_generates_and_serves_documents_in_scope(world, new_user) -> None:
    city = new_user(Role.CITY_REVIEWER, "370100")
    client = _api(city)
    made = client.post(
        "/api/reports/documents",
        {"scope": "370100", "period": PERIOD, "format": "docx"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["scope"] == "370100"
    assert body["runs"]["run"] == world["runs"][PERIOD].pk
    listed = client.get("/api/reports/documents").json()
    assert [d["id"] for d in listed] == [body["id"]]
    file = client.get(f"/api/reports/documents/{body['id']}/file")
    assert hashlib.sha256(file.content).hexdigest() == body["sha256"]
    out = client.post(
        "/api/reports/documents",
        {"scope": "370200", "period": PERIOD, "format": "docx"},
        content_type="application/json",
    )
    assert out.status_code == 404
    missing = client.post(
        "/api/reports/documents",
        {"scope": "370100", "period": "2021Q1", "format": "docx"},
        content_type="application/json",
    )
    assert missing.status_code == 422
    assert "2021Q1" in missing.json()["detail"]
    other = _api(new_user(Role.CITY_REVIEWER, "370200"))
    assert other.get(f"/api/reports/documents/{body['id']}").status_code == 404
    assert other.get(f"/api/reports/documents/{body['id']}/file").status_code == 404
    clerk = _api(new_user(Role.GRASSROOTS_CLERK, "370102"))
    assert (
        clerk.post(
            "/api/reports/documents",
            {"scope": "370102", "period": PERIOD},
            content_type="application/json",
        ).status_code
        == 403
    )


@pytest.mark.django_db(transaction=False)
def test_the_command_writes_the_bulletin(world, tmp_path, capsys) -> None:
    out = tmp_path / "bulletin.pdf"
    code = main(
        [
            "report",
            "bulletin",
            "--scope",
            "370000",
            "--period",
            PERIOD,
            "--format",
            "pdf",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    document = Document.objects.get()
    assert hashlib.sha256(out.read_bytes()).hexdigest() == document.sha256
    assert document.generated_by is None
    assert out.read_bytes().startswith(b"%PDF")
    assert (
        main(
            [
                "report",
                "bulletin",
                "--scope",
                "370000",
                "--period",
                "2020Q1",
                "--format",
                "pdf",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "2020Q1" in capsys.readouterr().err


def test_the_command_writes_every_product(world, tmp_path) -> None:
    for product, scope in (("unit_profile", "370103"), ("plan_progress", "370100")):
        out = tmp_path / f"{product}.xlsx"
        args = ["report", product, "--scope", scope, "--period", PERIOD, "--format", "xlsx"]
        assert main([*args, "--out", str(out)]) == 0
        document = Document.objects.get(product=product)
        assert hashlib.sha256(out.read_bytes()).hexdigest() == document.sha256
