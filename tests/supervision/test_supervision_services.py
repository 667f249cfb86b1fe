"""Datasets, models, runs and leads through the services, against PostgreSQL and DuckDB."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from grassroots.engine.supervision import idnumber, synth
from grassroots.organisations.models import AuditAction, AuditEntry, Role
from grassroots.supervision.models import DatasetVersion, Lead, LeadStep, Step
from grassroots.supervision.selectors import (
    leads_for,
    measures_for,
    model_feedback,
    registered_tables,
)
from grassroots.supervision.services import (
    SupervisionError,
    advance_lead,
    delete_dataset_version,
    keys,
    purge_expired,
    reveal,
    run_model_version,
    save_model_version,
    upload_dataset,
)

pytestmark = pytest.mark.django_db


def _hashes(numbers: set[str]) -> set[str]:
    return {idnumber.keyed_hash(keys().hash_key, n) for n in numbers}


@pytest.mark.parametrize("code", [m.code for m in synth.MODELS])
def test_each_shipped_model_run_yields_exactly_the_planted_leads(
    loaded: dict[str, Any], admin: Any, planted: synth.Planted, code: str
) -> None:
    run = run_model_version(actor=admin, version=loaded[code])
    leads = Lead.objects.filter(model__code=code)
    assert {lead.subject_hash for lead in leads} == _hashes(planted.leads[code])
    assert run.found == run.new == len(planted.leads[code])
    # Each lead goes to the county whose jurisdiction code the payment carries.
    region = {n[:6] for n in planted.leads[code]}
    assert {lead.unit.code for lead in leads} == region
    lead = leads.first()
    assert lead is not None
    assert lead.evidence
    assert lead.fields["name"]
    assert lead.risk_score > 0
    assert "*" in lead.subject_masked


def test_a_second_run_does_not_duplicate_leads(loaded: dict[str, Any], admin: Any) -> None:
    version = loaded["deceased-allowance"]
    first = run_model_version(actor=admin, version=version)
    second = run_model_version(actor=admin, version=version)
    assert second.found == first.found
    assert second.new == 0
    assert Lead.objects.filter(model__code="deceased-allowance").count() == first.found
    assert set(Lead.objects.values_list("last_run", flat=True)) == {second.pk}


def test_a_clerk_runs_and_gets_only_its_own_county(
    loaded: dict[str, Any], make_member: Callable[..., Any], planted: synth.Planted
) -> None:
    clerk = make_member(Role.GRASSROOTS_CLERK, "370103")
    run_model_version(actor=clerk, version=loaded["custody-pension"])
    own = {n for n in planted.leads["custody-pension"] if n.startswith("370103")}
    assert {lead.subject_hash for lead in Lead.objects.all()} == _hashes(own)
    assert set(leads_for(clerk)) == set(Lead.objects.all())


def test_a_refused_upload_names_the_row_in_chinese_and_keeps_nothing(
    admin: Any, province: dict[str, Any], tmp_path: Path
) -> None:
    spec = synth.DATASETS["death_records"]
    good = idnumber.make_id("370102", dt.date(1940, 1, 2), 1)
    bad = good[:17] + ("1" if good[17] == "0" else "0")
    path = tmp_path / "deaths.csv"
    path.write_text(
        f"id_number,name,region_code,death_date\n{bad},甲,370102,2024-01-01\n", encoding="utf-8"
    )
    with pytest.raises(SupervisionError) as caught:
        upload_dataset(
            actor=admin,
            unit=province["370000"],
            name="death_records",
            title="死亡",
            source_agency="公安局",
            data_date=dt.date(2025, 1, 1),
            legal_basis="依法调取",
            columns=spec.columns,
            file=path,
            filename="deaths.csv",
        )
    (message,) = caught.value.messages
    assert (
        message
        == "文件 deaths.csv 第 2 行 id_number 列：身份证号校验码错误（“"
        + idnumber.mask(bad)
        + "”）"
    )
    assert not DatasetVersion.objects.exists()


def test_reveal_is_for_the_province_with_a_reason_and_logged(
    loaded: dict[str, Any], admin: Any, make_member: Callable[..., Any], planted: synth.Planted
) -> None:
    run_model_version(actor=admin, version=loaded["deceased-allowance"])
    lead = Lead.objects.filter(model__code="deceased-allowance").first()
    assert lead is not None
    with pytest.raises(SupervisionError):
        reveal(actor=admin, lead=lead, reason=" ")
    clear = reveal(actor=admin, lead=lead, reason="核查银行流水")
    assert clear in planted.leads["deceased-allowance"]
    entry = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert entry.reason == "核查银行流水"
    assert entry.actor == admin
    reviewer = make_member(Role.CITY_REVIEWER, "370100")
    with pytest.raises(PermissionDenied):
        reveal(actor=reviewer, lead=lead, reason="想看")


def test_deletion_removes_the_data_and_leaves_a_trace(loaded: dict[str, Any], admin: Any) -> None:
    version = DatasetVersion.objects.get(dataset__name="death_records")
    path = version.path
    assert path.exists()
    delete_dataset_version(actor=admin, version=version, reason="期限届满")
    assert not path.exists()
    version.refresh_from_db()
    assert version.deleted_at is not None
    assert version.deleted_reason == "期限届满"
    assert AuditEntry.objects.filter(
        model="supervision.datasetversion", object_id=str(version.pk), reason="期限届满"
    ).exists()
    assert "death_records" not in registered_tables(admin)
    with pytest.raises(SupervisionError):
        run_model_version(actor=admin, version=loaded["deceased-allowance"])


def test_retention_purges_only_expired_versions(loaded: dict[str, Any]) -> None:
    DatasetVersion.objects.filter(dataset__name="death_records").update(
        retain_until=dt.date(2025, 1, 1)
    )
    gone = purge_expired(today=dt.date(2025, 6, 1))
    assert [v.dataset.name for v in gone] == ["death_records"]
    assert DatasetVersion.objects.filter(deleted_at__isnull=True).count() == 5


def test_a_model_naming_an_unregistered_table_is_refused(
    admin: Any, province: dict[str, Any]
) -> None:
    with pytest.raises(SupervisionError) as caught:
        save_model_version(
            actor=admin,
            unit=province["370000"],
            code="x",
            name_zh="x",
            business_line="行政检察",
            supervision_point="x",
            sql="SELECT * FROM tax_records",
        )
    assert "不是已登记的数据集" in caught.value.messages[0]


def test_a_lead_is_worked_to_closure_and_counted(
    loaded: dict[str, Any], admin: Any, make_member: Callable[..., Any], planted: synth.Planted
) -> None:
    run_model_version(actor=admin, version=loaded["deceased-allowance"])
    lead = Lead.objects.filter(unit__code="370102").first()
    assert lead is not None
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    day = lead.step_since
    with pytest.raises(SupervisionError):
        advance_lead(actor=clerk, lead=lead, step=Step.FILED, on=day)
    for step in (Step.REVIEW, Step.VERIFICATION, Step.FILED, Step.HEARING):
        advance_lead(actor=clerk, lead=lead, step=step, on=day, evidence="银行流水")
    with pytest.raises(SupervisionError):
        advance_lead(actor=clerk, lead=lead, step=Step.DOCUMENT, on=day)
    advance_lead(actor=clerk, lead=lead, step=Step.DOCUMENT, on=day, document="recommendation")
    advance_lead(actor=clerk, lead=lead, step=Step.FOLLOW_UP, on=day)
    advance_lead(
        actor=clerk,
        lead=lead,
        step=Step.CLOSED,
        on=day,
        note="已追回",
        adopted=True,
        recovered=Decimal("1200.00"),
    )
    assert list(LeadStep.objects.filter(lead=lead).values_list("step", flat=True)) == [
        "screening",
        "review",
        "verification",
        "filed",
        "hearing",
        "document",
        "follow_up",
        "closed",
    ]
    other = make_member(Role.GRASSROOTS_CLERK, "370103")
    with pytest.raises(PermissionDenied):
        advance_lead(
            actor=other,
            lead=Lead.objects.filter(unit__code="370102").exclude(pk=lead.pk).first(),
            step=Step.REVIEW,
            on=day,
        )
    (mine,) = [m for m in measures_for(clerk) if m.model_code == "deceased-allowance"]
    assert (mine.filed, mine.adopted, mine.recovered) == (1, 1, Decimal("1200.00"))
    assert mine.rate == pytest.approx(1 / mine.leads)
    # The model's owner (the province) sees every unit's feedback; the clerk only its own.
    owner_view = model_feedback(admin, lead.model)
    assert {m.unit_code for m in owner_view} == {"370102", "370103", "370104", "370202"}
    assert sum(m.leads for m in owner_view) == len(planted.leads["deceased-allowance"])
    assert {m.unit_code for m in model_feedback(clerk, lead.model)} == {"370102"}


def test_a_model_reads_the_units_own_case_records(
    admin: Any, province: dict[str, Any], make_member: Callable[..., Any]
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.utils import timezone

    from grassroots.intake.models import DataVersion
    from grassroots.intake.selectors import version_folder

    for code, cases in (("370102", ["A1", "A2"]), ("370202", ["B1"])):
        version = DataVersion.objects.create(
            unit=province[code],
            period="2024Q4",
            checksum="0" * 64,
            source_name="cases.csv",
            uploader_name="clerk",
            created=timezone.now(),
        )
        folder = version_folder(version.pk)
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.table(
            {"unit_code": [code] * len(cases), "case_id": cases, "person_id": ["1"] * len(cases)}
        )
        pq.write_table(table, folder / "persons.parquet")
    sql = "SELECT case_id AS subject, unit_code, count(*) AS persons FROM case_persons GROUP BY ALL"
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102", "lixia")
    version = save_model_version(
        actor=clerk,
        unit=province["370102"],
        code="own-cases",
        name_zh="本院案件",
        business_line="刑事检察",
        supervision_point="x",
        sql=sql,
    )
    run = run_model_version(actor=clerk, version=version)
    # The clerk's model sees the clerk's unit's case records only.
    assert run.found == 2
    assert sorted(Lead.objects.values_list("subject_masked", flat=True)) == ["A1", "A2"]
    run = run_model_version(actor=admin, version=version)
    assert (run.found, run.new) == (3, 1)
    with pytest.raises(SupervisionError):
        save_model_version(
            actor=clerk,
            unit=province["370102"],
            code="own-cases",
            name_zh="本院案件",
            business_line="刑事检察",
            supervision_point="x",
            sql="SELECT * FROM case_secrets",
        )
    with pytest.raises(SupervisionError, match="不是身份证号"):
        reveal(actor=admin, lead=Lead.objects.first(), reason="x")


def test_a_scheduled_run_happens_when_due_and_then_waits(
    loaded: dict[str, Any], admin: Any, planted: synth.Planted
) -> None:
    from grassroots.supervision.services import run_due_schedules, schedule_runs

    version = loaded["deceased-allowance"]
    schedule = schedule_runs(
        actor=admin, version=version, every_days=30, first_on=dt.date(2025, 2, 1)
    )
    assert run_due_schedules(today=dt.date(2025, 1, 31)) == []
    (run,) = run_due_schedules(today=dt.date(2025, 2, 1))
    assert run.new == len(planted.leads["deceased-allowance"])
    schedule.refresh_from_db()
    assert schedule.next_on == dt.date(2025, 3, 3)
    assert run_due_schedules(today=dt.date(2025, 3, 2)) == []
    (again,) = run_due_schedules(today=dt.date(2025, 3, 3))
    assert (again.found, again.new) == (run.found, 0)
