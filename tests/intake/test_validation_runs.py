"""Validation rules and outlier flags run at upload and on demand, stored and listed, scoped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from grassroots.cli import main
from grassroots.intake.cases.services import import_cases
from grassroots.intake.figures.services import import_figures
from grassroots.intake.models import (
    ElementValue,
    FindingKind,
    Trigger,
    ValidationFinding,
    ValidationRun,
)
from grassroots.intake.selectors import current_values
from grassroots.intake.validation.rules import load_rules, run_rules
from grassroots.intake.validation.services import run_validation, units_to_check
from grassroots.organisations.models import AuditEntry, Role, Unit
from grassroots.organisations.services import issue_token, load_units
from grassroots.organisations.unitfile import UnitRow

P = "2024Q3"


def _u(code: str) -> Unit:
    return Unit.objects.get(code=code)


def test_the_shipped_rule_not_arrested_within_reviewed_catches_a_contradiction() -> None:
    [rule] = [r for r in load_rules("spp-case-quality") if r.code == "not_arrested_within_reviewed"]
    assert (rule.left, str(rule.operator), rule.right) == (
        "arrest_not_approved_persons", "<=", "arrest_reviewed_persons",
    )  # fmt: skip
    values = pd.DataFrame(
        [("370102", P, "arrest_not_approved_persons", 7.0),
         ("370102", P, "arrest_reviewed_persons", 5.0),
         ("370103", P, "arrest_not_approved_persons", 2.0),
         ("370103", P, "arrest_reviewed_persons", 5.0)],
        columns=["unit_code", "period", "element", "value"],
    )  # fmt: skip
    found = list(run_rules([rule], values))
    assert [(v.unit_code, v.left, v.right) for v in found] == [("370102", 7.0, 5.0)]


@pytest.fixture
def version(clerk, data_dir, export):
    return import_cases(source=export, unit=clerk.membership.unit, period=P, actor=clerk)


def test_a_case_upload_runs_the_checks_and_stores_the_run(version, clerk) -> None:
    run = ValidationRun.objects.get()
    assert (run.trigger, run.source, run.period, run.actor) == (
        Trigger.CASE_UPLOAD, f"data version {version.pk}", P, clerk,
    )  # fmt: skip
    assert [u.code for u in run.units.all()] == ["370102"]
    # The export is consistent: 1 of 3 persons not arrested, 3 reviewed.
    assert not run.findings.exists()
    entry = AuditEntry.objects.get(model="intake.validationrun")
    assert entry.after["units"] == ["370102"]
    assert entry.actor == clerk


def test_checks_use_the_current_version_and_the_violation_is_stored(version, clerk, export):
    ElementValue.objects.filter(data_version=version, element="arrest_reviewed_persons").update(
        value=0
    )
    run = run_validation(scope=_u("370102"), units=[_u("370102")], period=P, actor=clerk,
                         trigger=Trigger.ON_DEMAND, source="test")  # fmt: skip
    finding = run.findings.get(kind=FindingKind.RULE, code="not_arrested_within_reviewed")
    assert (finding.unit.code, finding.left, finding.right, finding.importance) == (
        "370102", 1.0, 0.0, "high",
    )  # fmt: skip
    # A new upload supersedes the tampered version: its values no longer count.
    newer = import_cases(source=export, unit=_u("370102"), period=P, actor=clerk)
    assert newer.supersedes == version
    latest = ValidationRun.objects.filter(trigger=Trigger.CASE_UPLOAD).first()
    assert latest is not None
    assert not latest.findings.exists()


def test_current_values_combine_case_versions_and_reported_figures(version, clerk, tmp_path):
    csv = tmp_path / "figures.csv"
    csv.write_text(f"unit_code,period,element,value\n370102,{P},incoming,12\n", encoding="utf-8")
    import_figures(path=csv, actor=clerk, catalogue="cepej", period=P, dry_run=False)
    spp = current_values(units=[_u("370102")], periods=[P], catalogue="spp-case-quality")
    assert "arrest_reviewed_persons" in set(spp["element"])
    assert "incoming" not in set(spp["element"])  # another catalogue's figure
    cepej = current_values(units=[_u("370102")], periods=[P], catalogue="cepej")
    assert cepej.set_index("element").loc["incoming", "value"] == 12


def _figures(tmp_path: Path, user, period: str, value: float, *, dry_run: bool = False):
    path = tmp_path / f"{period}-{value}.csv"
    path.write_text(f"unit_code,period,element,value\n370102,{period},incoming,{value}\n")
    return import_figures(path=path, actor=user, catalogue="cepej", period=period, dry_run=dry_run)


@pytest.fixture
def history(clerk, tmp_path) -> None:
    for period, value in zip(("2023Q3", "2023Q4", "2024Q1", "2024Q2"), (100, 104, 97, 101),
                             strict=True):  # fmt: skip
        _figures(tmp_path, clerk, period, value)


def test_a_figures_dry_run_shows_the_outlier_and_stores_nothing(history, clerk, tmp_path):
    runs = ValidationRun.objects.count()
    result = _figures(tmp_path, clerk, P, 900, dry_run=True)
    [flag] = result.findings
    assert (flag.kind, flag.code, flag.basis, flag.value, flag.references) == (
        FindingKind.OUTLIER, "incoming", "history", 900, 4,
    )  # fmt: skip
    assert flag.pk is None
    assert ValidationRun.objects.count() == runs
    saved = _figures(tmp_path, clerk, P, 900)
    run = ValidationRun.objects.get(trigger=Trigger.FIGURE_UPLOAD, period=P)
    assert run.source == f"figures upload {saved.upload.pk}"
    assert [(f.code, f.value) for f in run.findings.all()] == [("incoming", 900)]
    # The value is flagged, never changed.
    assert current_values(units=[_u("370102")], periods=[P], catalogue="cepej")[
        "value"
    ].tolist() == [900]


@pytest.fixture
def peers(province) -> None:
    """Four more Qingdao units; all six grassroots units in peer group "A"."""
    load_units(
        rows=[UnitRow(f"37020{i}", f"同伴{i}区人民检察院", "grassroots", "370200")
              for i in range(3, 7)],
        actor=None, reason="fixture",
    )  # fmt: skip
    Unit.objects.filter(level="grassroots").update(peer_group="A")


def _spp(unit: Unit, value: float) -> None:
    from grassroots.intake.models import DataVersion

    version = DataVersion.objects.create(
        unit=unit, period=P, checksum="0" * 64, source_name="t", uploader_name="t",
        created=dt.datetime(2024, 10, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    ElementValue.objects.create(data_version=version, unit=unit, period=P,
                                element="arrest_review_cases", value=value)  # fmt: skip


def test_a_peer_outlier_names_the_median_and_count_never_the_peers(peers, clerk, client):
    for code, value in (("370103", 20), ("370202", 21), ("370203", 19), ("370204", 22),
                        ("370205", 20), ("370206", 18), ("370102", 300)):  # fmt: skip
        _spp(_u(code), value)
    run_validation(scope=_u("370102"), units=[_u("370102")], period=P, actor=clerk,
                   trigger=Trigger.ON_DEMAND)  # fmt: skip
    flag = ValidationFinding.objects.get(basis="peers")
    assert (flag.median, flag.references) == (20, 6)
    client.force_login(clerk)
    client.post("/i18n/setlang/", {"language": "en", "next": "/intake/"})
    page = client.get(f"/intake/validation/?period={P}").content
    text = page.decode()
    assert "6 peer units" in text
    assert "median 20" in text
    for other in ("370103", "370202", "370203", "同伴"):
        assert other not in text


@pytest.fixture
def people(make_member) -> dict[str, object]:
    return {
        "clerk": make_member(Role.GRASSROOTS_CLERK, "370102", "clerk"),
        "jinan": make_member(Role.CITY_REVIEWER, "370100", "jinan"),
        "leader": make_member(Role.LEADER, "370000", "leader"),
        "admin": make_member(Role.PROVINCE_ADMIN, "370000", "admin"),
    }


def _rows(response) -> list[str]:
    return [row[0].code for row in response.context["rows"]]


def test_the_validation_page_lists_only_units_in_scope(people, client) -> None:
    client.force_login(people["clerk"])
    assert _rows(client.get(f"/intake/validation/?period={P}")) == ["370102"]
    client.force_login(people["jinan"])
    assert _rows(client.get(f"/intake/validation/?period={P}")) == ["370102", "370103", "370104"]
    assert client.get(f"/intake/validation/?period={P}&unit=370202").status_code == 404
    client.force_login(people["admin"])
    assert _rows(client.get(f"/intake/validation/?period={P}&unit=370200")) == ["370202"]


def test_running_the_checks_from_the_page_is_stored_audited_and_scoped(people, client):
    client.force_login(people["jinan"])
    response = client.post("/intake/validation/run/", {"period": P})
    assert response.status_code == 302
    assert sorted(ValidationRun.objects.values_list("catalogue", flat=True)) == [
        "cepej", "spp-case-quality",
    ]  # fmt: skip
    run = ValidationRun.objects.get(catalogue="spp-case-quality")
    assert (run.trigger, run.unit.code, run.actor) == (Trigger.ON_DEMAND, "370100", people["jinan"])
    assert sorted(run.units.values_list("code", flat=True)) == ["370102", "370103", "370104"]
    assert AuditEntry.objects.filter(model="intake.validationrun", object_id=str(run.pk)).exists()
    rows = client.get(response["Location"]).context["rows"]
    newest = ValidationRun.objects.first()  # ordering: newest first
    assert [(unit.code, run_.pk) for unit, _name, run_, _r, _o in rows] == [
        ("370102", newest.pk), ("370103", newest.pk), ("370104", newest.pk),
    ]  # fmt: skip
    assert (
        client.post("/intake/validation/run/", {"period": P, "unit": "370202"}).status_code == 404
    )
    assert client.post("/intake/validation/run/", {"period": "soon"}).status_code == 400
    client.force_login(people["leader"])  # read-only role: in scope, not allowed
    assert client.post("/intake/validation/run/", {"period": P}).status_code == 403
    assert ValidationRun.objects.count() == 2


def _bearer(user) -> dict[str, str]:
    token = issue_token(user=user, name="t", ttl=dt.timedelta(days=1), actor=None).token
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_validation_api_runs_lists_and_scopes(people, client) -> None:
    clerk = _bearer(people["clerk"])
    response = client.post("/api/intake/validation", {"period": P}, **clerk)
    assert response.status_code == 201
    [spp, cepej] = response.json()
    assert (spp["catalogue"], cepej["catalogue"]) == ("spp-case-quality", "cepej")
    assert spp["units"] == ["370102"]
    assert spp["trigger"] == "on_demand"
    listed = client.get(f"/api/intake/validation?period={P}", **clerk).json()
    assert [(u["unit_code"], u["trigger"]) for u in listed] == [("370102", "on_demand")]
    assert client.post("/api/intake/validation", {"period": P, "unit": "370103"},
                       **clerk).status_code == 404  # fmt: skip
    assert client.get(f"/api/intake/validation?period={P}&unit=370103", **clerk).status_code == 404
    assert client.post("/api/intake/validation", {"period": P},
                       **_bearer(people["leader"])).status_code == 403  # fmt: skip
    assert client.get("/api/intake/validation?period=x", **clerk).status_code == 422


def test_the_validate_command_stores_a_run_and_lists_findings(people, capsys) -> None:
    assert main(["intake", "validate", "--period", P, "--unit", "370100"]) == 0
    out = capsys.readouterr().out
    run = ValidationRun.objects.get(catalogue="spp-case-quality")
    assert f"validation run {run.pk} (spp-case-quality): 3 units checked for {P}" in out
    assert (run.actor, run.source) == (None, "command line")


def test_the_validate_command_checks_the_users_scope_and_role(people, capsys) -> None:
    assert main(["intake", "validate", "--period", P, "--unit", "370202", "--user", "clerk"]) == 2
    assert "no unit 370202 in the scope of clerk" in capsys.readouterr().err
    assert main(["intake", "validate", "--period", P, "--user", "leader"]) == 2
    assert "leader's role may not run the checks" in capsys.readouterr().err
    assert main(["intake", "validate", "--period", "later"]) == 2
    assert not ValidationRun.objects.exists()


def test_units_to_check_are_the_active_grassroots_units_of_a_subtree(province) -> None:
    Unit.objects.filter(code="370103").update(active=False)
    assert [u.code for u in units_to_check(_u("370000"))] == ["370102", "370104", "370202"]
    assert [u.code for u in units_to_check(_u("370102"))] == ["370102"]


def _run_with_findings(unit: Unit, count: int, at: dt.datetime) -> ValidationRun:
    """A stored run of Jinan's three units with ``count`` rule violations on 370102."""
    run = ValidationRun.objects.create(at=at, trigger=Trigger.ON_DEMAND, actor_name="t",
                                       catalogue="spp-case-quality", period=P, unit=unit)  # fmt: skip
    run.units.set(Unit.objects.filter(code__in=["370102", "370103", "370104"]))
    ValidationFinding.objects.bulk_create(
        ValidationFinding(
            run=run,
            unit=_u("370102"),
            period=P,
            kind="rule",
            code=f"R{i:03d}",
            importance="medium",
            left=1,
            right=2,
            message="",
        )  # fmt: skip
        for i in range(count)
    )
    return run


def test_the_validation_page_counts_in_the_database_and_lists_a_page_of_findings(
    people, client
) -> None:
    """The page's queries do not grow with the findings, it lists 100 findings a page (a
    province's findings once took the page past the worker's 30 s) and counts all of them;
    an older run's findings are not the unit's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    jinan = _u("370100")
    _run_with_findings(jinan, 7, dt.datetime(2024, 10, 1, tzinfo=dt.UTC))  # older: not counted
    _run_with_findings(jinan, 3, dt.datetime(2024, 10, 2, tzinfo=dt.UTC))
    client.force_login(people["jinan"])
    client.get(f"/intake/validation/?period={P}")  # the session's first reads, once
    with CaptureQueriesContext(connection) as few:
        response = client.get(f"/intake/validation/?period={P}")
    assert [(u.code, rules) for u, _n, _run, rules, _o in response.context["rows"]] == [
        ("370102", 3), ("370103", 0), ("370104", 0),
    ]  # fmt: skip
    _run_with_findings(jinan, 250, dt.datetime(2024, 10, 3, tzinfo=dt.UTC))
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/intake/validation/?period={P}")
    assert len(many) == len(few)
    assert response.context["rows"][0][3] == 250
    assert [r.finding.code for r in response.context["details"]] == [
        f"R{i:03d}" for i in range(100)
    ]
    last = client.get(f"/intake/validation/?period={P}&page=3")
    assert len(last.context["details"]) == 50
    assert f"?period={P}&amp;page=2" in last.content.decode()  # back a page, the period kept
