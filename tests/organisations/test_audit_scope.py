"""The auditor sees everything in scope: province-level changes (schemes, runs, deadlines, users,
tokens) are the province's entries, seen by the province's auditor and not by a city's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from grassroots.evaluation.models import EvaluationRun
from grassroots.evaluation.runs import queue_run
from grassroots.evaluation.schemes import (
    latest_scheme_version,
    load_shipped_schemes,
    save_scheme_version,
)
from grassroots.intake.reporting.services import set_deadline
from grassroots.organisations.models import AuditEntry, Role
from grassroots.organisations.selectors import audit_entries
from grassroots.organisations.services import add_member, issue_token

PROVINCE_MODELS = {
    "evaluation.schemeversion",
    "evaluation.evaluationrun",
    "intake.deadline",
    "organisations.apitoken",
    "organisations.membership",
}


@pytest.fixture
def province_work(province, make_member, tmp_path) -> dict[str, AuditEntry]:
    """The province administrator edits a scheme, starts a run, sets a deadline, adds a user and
    issues them a token; the entry each wrote, by model."""
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    load_shipped_schemes()  # by the system, as `grassroots runs schemes` does
    text = latest_scheme_version("core-business").yaml_text
    version = save_scheme_version(
        code="core-business", yaml_text=text + "\n# edited\n", actor=admin, note="edit"
    )
    queue_run(scheme_version=version, period="2024Q4", source=tmp_path, actor=admin)
    set_deadline(period="2024Q4", due=dt.date(2025, 1, 15), actor=admin)
    clerk = get_user_model().objects.create_user(username="new-clerk", password="x")
    add_member(user=clerk, unit=province["370000"], role=Role.LEADER, actor=admin)
    issue_token(user=clerk, name="reports", ttl=None, actor=admin)
    return {
        e.model: e
        for e in AuditEntry.objects.filter(actor_name=admin.get_username()).order_by("id")
    }


def test_province_level_changes_are_recorded_with_the_province(province_work) -> None:
    assert set(province_work) >= PROVINCE_MODELS
    assert {province_work[m].unit_code for m in PROVINCE_MODELS} == {"370000"}


def test_the_province_auditor_sees_schemes_runs_deadlines_users_and_tokens(
    province_work, make_member
) -> None:
    auditor = make_member(Role.AUDITOR, "370000")
    seen = set(audit_entries(auditor).values_list("model", flat=True))
    assert seen >= PROVINCE_MODELS


def test_the_province_auditor_sees_the_systems_changes(province_work, make_member) -> None:
    auditor = make_member(Role.AUDITOR, "370000")
    shipped = audit_entries(auditor).filter(model="evaluation.schemeversion", actor=None)
    assert shipped.exists()


def test_a_city_auditor_sees_no_province_level_change(province_work, make_member) -> None:
    auditor = make_member(Role.AUDITOR, "370100")
    seen = set(audit_entries(auditor).values_list("id", flat=True))
    assert not seen & {e.id for e in province_work.values()}
    assert not audit_entries(auditor).filter(unit_code="").exists()


def test_a_city_auditor_sees_their_citys_changes(province_work, province, make_member) -> None:
    admin = get_user_model().objects.get(username=f"{Role.PROVINCE_ADMIN}-370000")
    user = get_user_model().objects.create_user(username="jinan-reviewer", password="x")
    add_member(user=user, unit=province["370100"], role=Role.CITY_REVIEWER, actor=admin)
    auditor = make_member(Role.AUDITOR, "370100")
    by_admin = audit_entries(auditor, actor=admin)
    assert list(by_admin.values_list("model", "unit_code")) == [
        ("organisations.membership", "370100")
    ]


def test_a_run_given_a_scope_is_that_units(province) -> None:
    assert EvaluationRun(parameters={"scope": "370100"}).audit_unit_code == "370100"
    assert EvaluationRun(parameters={}).audit_unit_code == ""


def test_the_audit_log_page_lists_a_scheme_edit_for_the_province_auditor(
    province_work, make_member
) -> None:
    client = Client()
    client.force_login(make_member(Role.AUDITOR, "370000"))
    response = client.get(reverse("audit-log"), {"model": "evaluation.schemeversion"})
    assert response.status_code == 200
    assert "core-business v2" in response.content.decode()
