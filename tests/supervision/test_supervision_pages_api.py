"""Pages, API and CLI of supervision: scope (404 outside it), masking, reveal, languages."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from grassroots.cli import main
from grassroots.engine.supervision import idnumber, synth
from grassroots.organisations.models import AuditAction, AuditEntry, Role
from grassroots.organisations.services import issue_token
from grassroots.supervision.models import DatasetVersion, Lead, ModelRun, SupervisionModel
from grassroots.supervision.services import (
    SupervisionError,
    run_model_version,
    save_model_version,
    upload_dataset,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked(loaded: dict[str, Any], admin: Any) -> dict[str, Any]:
    for version in loaded.values():
        run_model_version(actor=admin, version=version)
    return loaded


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> Client:
    token = issue_token(user=user, name="t", ttl=dt.timedelta(days=1), actor=None).token
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _clear_numbers(planted: synth.Planted) -> set[str]:
    return {row["id_number"] for rows in planted.rows.values() for row in rows}


def _every_get(user: Any) -> list[str]:
    """Every page and API read the user can reach, with every object in the database."""
    urls = [
        reverse("supervision:index"),
        reverse("supervision:datasets"),
        reverse("supervision:leads"),
        reverse("supervision:leads") + "?overdue=1",
        reverse("supervision:export-leads"),
        reverse("supervision:measures"),
        reverse("supervision:new-model-version"),
        "/api/supervision/datasets",
        "/api/supervision/models",
        "/api/supervision/leads",
        "/api/supervision/measures",
    ]
    for v in DatasetVersion.objects.all():
        urls += [
            reverse("supervision:dataset-version", args=[v.pk]),
            f"/api/supervision/datasets/{v.pk}",
        ]
    for m in SupervisionModel.objects.all():
        urls += [
            reverse("supervision:model", args=[m.pk]),
            f"/api/supervision/measures?model={m.code}",
        ]
        urls += [reverse("supervision:model-version", args=[v.pk]) for v in m.versions.all()]
    for r in ModelRun.objects.all():
        urls += [reverse("supervision:run", args=[r.pk]), f"/api/supervision/runs/{r.pk}"]
    for lead in Lead.objects.all():
        urls += [reverse("supervision:lead", args=[lead.pk]), f"/api/supervision/leads/{lead.pk}"]
    return urls


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.PROVINCE_ADMIN, "370000"),
        (Role.CITY_REVIEWER, "370100"),
        (Role.GRASSROOTS_CLERK, "370102"),
        (Role.LEADER, "370000"),
        (Role.AUDITOR, "370000"),
    ],
)
def test_no_page_export_or_api_answer_shows_a_clear_identity_number(
    worked: dict[str, Any],
    planted: synth.Planted,
    make_member: Callable[..., Any],
    role: Role,
    code: str,
) -> None:
    user = make_member(role, code, f"u-{role}")
    clear = _clear_numbers(planted)
    assert len(clear) == 120
    page, api = _client(user), _api(user)
    seen = 0
    for url in _every_get(user):
        response = (api if url.startswith("/api/") else page).get(url)
        if response.status_code in (403, 404):  # a role without the page answers no data
            continue
        assert response.status_code == 200, url
        body = response.content.decode("utf-8-sig")
        found = [n for n in clear if n in body or n.lower() in body]
        assert found == [], url
        seen += 1
    assert seen > 15


def test_the_masked_number_is_shown_and_reveal_shows_the_clear_one_to_the_province_only(
    worked: dict[str, Any], admin: Any, planted: synth.Planted, make_member: Callable[..., Any]
) -> None:
    lead = Lead.objects.filter(model__code="custody-pension").first()
    assert lead is not None
    page = _client(admin).get(reverse("supervision:lead", args=[lead.pk])).content.decode()
    assert lead.subject_masked in page
    assert "查看完整身份证号" in page
    response = _client(admin).post(
        reverse("supervision:reveal", args=[lead.pk]), {"reason": "核查"}
    )
    body = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    (number,) = [n for n in planted.leads["custody-pension"] if n in body]
    assert idnumber.mask(number) == lead.subject_masked
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, reason="核查").count() == 1
    answer = _api(admin).post(
        f"/api/supervision/leads/{lead.pk}/reveal",
        {"reason": "复核"},
        content_type="application/json",
    )
    assert answer.json() == {"id_number": number}
    leader = make_member(Role.LEADER, "370000", "leader")
    assert (
        "查看完整身份证号"
        not in _client(leader).get(reverse("supervision:lead", args=[lead.pk])).content.decode()
    )
    assert (
        _client(leader)
        .post(reverse("supervision:reveal", args=[lead.pk]), {"reason": "x"})
        .status_code
        == 403
    )
    assert (
        _api(leader)
        .post(
            f"/api/supervision/leads/{lead.pk}/reveal",
            {"reason": "x"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    assert AuditEntry.objects.filter(action=AuditAction.VIEW).count() == 2


def test_out_of_scope_is_404_for_every_page_and_endpoint(
    worked: dict[str, Any],
    province: dict[str, Any],
    make_member: Callable[..., Any],
    tmp_path: Path,
) -> None:
    lixia = make_member(Role.GRASSROOTS_CLERK, "370102", "lixia")
    shinan = make_member(Role.GRASSROOTS_CLERK, "370202", "shinan")
    # Lixia's own dataset and draft model: not Shinan's.
    spec = synth.DATASETS["death_records"]
    csv = synth.write_csv(
        [
            {
                "id_number": idnumber.make_id("370102", dt.date(1940, 1, 1), 1),
                "name": "甲",
                "region_code": "370102",
                "death_date": "2024-01-01",
            }
        ],
        spec,
        tmp_path / "d.csv",
    )
    own = upload_dataset(
        actor=lixia,
        unit=province["370102"],
        name="lixia_deaths",
        title="历下死亡",
        source_agency="公安分局",
        data_date=dt.date(2025, 1, 1),
        legal_basis="协议",
        columns=spec.columns,
        file=csv,
        filename="d.csv",
    )
    draft = save_model_version(
        actor=lixia,
        unit=province["370102"],
        code="lixia-model",
        name_zh="历下模型",
        business_line="行政检察",
        supervision_point="x",
        sql="SELECT id_number AS subject, region_code AS unit_code FROM lixia_deaths",
    )
    lixia_run = run_model_version(actor=lixia, version=draft)
    lead = Lead.objects.filter(unit__code="370102").first()
    province_run = ModelRun.objects.filter(unit__code="370000").first()
    assert lead is not None
    assert province_run is not None
    pages = [
        ("get", reverse("supervision:dataset-version", args=[own.pk])),
        ("post", reverse("supervision:delete-dataset", args=[own.pk])),
        ("get", reverse("supervision:model", args=[draft.model.pk])),
        ("get", reverse("supervision:model-version", args=[draft.pk])),
        ("post", reverse("supervision:model-version", args=[draft.pk])),
        ("get", reverse("supervision:new-model-version") + "?model=lixia-model"),
        ("get", reverse("supervision:run", args=[lixia_run.pk])),
        ("get", reverse("supervision:run", args=[province_run.pk])),
        ("get", reverse("supervision:lead", args=[lead.pk])),
        ("post", reverse("supervision:lead", args=[lead.pk])),
        ("post", reverse("supervision:reveal", args=[lead.pk])),
    ]
    client = _client(shinan)
    owner = _client(lixia)
    for method, url in pages:
        if method == "get":
            assert client.get(url).status_code == 404, url
            assert owner.get(url).status_code == 200 or "runs/" in url, url  # the province's run
        else:
            assert client.post(url, {"reason": "x"}).status_code == 404, url
    api = _api(shinan)
    endpoints = [
        ("get", f"/api/supervision/datasets/{own.pk}"),
        ("get", f"/api/supervision/runs/{lixia_run.pk}"),
        ("get", f"/api/supervision/runs/{province_run.pk}"),
        ("get", f"/api/supervision/leads/{lead.pk}"),
        ("post", f"/api/supervision/leads/{lead.pk}/steps"),
        ("post", f"/api/supervision/leads/{lead.pk}/reveal"),
        ("post", "/api/supervision/models/lixia-model/versions/1/run"),
        ("get", "/api/supervision/measures?model=lixia-model"),
    ]
    for method, url in endpoints:
        body = {"reason": "x", "step": "review", "on": "2025-01-10", "parameters": {}}
        answer = (
            api.get(url)
            if method == "get"
            else api.post(url, body, content_type="application/json")
        )
        assert answer.status_code == 404, url
    # Lists hold only what is in scope.
    assert {row["unit"] for row in api.get("/api/supervision/leads").json()} == {"370202"}
    assert "lixia_deaths" not in {
        row["name"] for row in api.get("/api/supervision/datasets").json()
    }
    assert "lixia-model" not in {row["code"] for row in api.get("/api/supervision/models").json()}
    # A user without a unit sees nothing.
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user(username="nobody", password="pw-for-tests-only")
    assert _client(nobody).get(reverse("supervision:lead", args=[lead.pk])).status_code == 404
    assert _api(nobody).get("/api/supervision/leads").json() == []


def test_a_lead_is_worked_on_its_page_and_through_the_api(
    worked: dict[str, Any], make_member: Callable[..., Any]
) -> None:
    clerk = make_member(Role.GRASSROOTS_CLERK, "370103", "shizhong")
    lead = Lead.objects.filter(unit__code="370103").first()
    assert lead is not None
    day = lead.step_since.isoformat()
    response = _client(clerk).post(
        reverse("supervision:lead", args=[lead.pk]),
        {"step": "review", "on": day, "evidence": "人社数据"},
    )
    assert response.status_code == 302
    answer = _api(clerk).post(
        f"/api/supervision/leads/{lead.pk}/steps",
        {"step": "filed", "on": day},
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert answer.json()["detail"] == "处于“复核”环节的线索不能转入“立案”"
    answer = _api(clerk).post(
        f"/api/supervision/leads/{lead.pk}/steps",
        {"step": "verification", "on": day},
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert answer.json()["step"] == "verification"
    page = _client(clerk).get(reverse("supervision:lead", args=[lead.pk])).content.decode()
    assert "复核" in page
    assert "人社数据" in page


def test_an_upload_on_the_page_is_refused_with_located_chinese_errors(
    admin: Any, province: dict[str, Any]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = "id_number,name,region_code,death_date\n123,甲,370102,2024-01-01\n".encode("gb18030")
    response = _client(admin).post(
        reverse("supervision:datasets"),
        {
            "name": "death_records",
            "title": "死亡",
            "source_agency": "公安局",
            "data_date": "2025-01-01",
            "legal_basis": "协议",
            "columns": "id_number:id_number\nname:text\nregion_code:text\ndeath_date:date",
            "file": SimpleUploadedFile("死亡名单.csv", data),
        },
    )
    body = response.content.decode()
    assert "文件 死亡名单.csv 第 2 行 id_number 列：身份证号不是 18 位" in body
    assert not DatasetVersion.objects.exists()


def test_pages_are_chinese_first_and_english_by_switch(worked: dict[str, Any], admin: Any) -> None:
    client = _client(admin)
    lead = Lead.objects.first()
    assert lead is not None
    zh = client.get(reverse("supervision:lead", args=[lead.pk])).content.decode()
    assert "证据数据" in zh
    assert "筛查" in zh
    assert "Evidence rows" not in zh
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    en = client.get(reverse("supervision:lead", args=[lead.pk])).content.decode()
    assert "Evidence rows" in en
    assert "Screening" in en


def test_exports_of_leads_are_audited(worked: dict[str, Any], admin: Any) -> None:
    response = _client(admin).get(reverse("supervision:export-leads"))
    rows = response.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + Lead.objects.count()
    # One export, one entry: the export's own (what and how many rows); the security
    # middleware, which records every other download, does not record this one again.
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.after == {"export": "leads", "rows": Lead.objects.count()}
    # Excel, through the shared table export (issue 18.6), with the page's filters.
    step = Lead.objects.values_list("step", flat=True).first()
    response = _client(admin).get(
        reverse("supervision:export-leads"), {"format": "xlsx", "step": step}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 1).value == "监督线索"
    top = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "监督对象")
    assert [c.value for c in sheet[top]][:3] == ["监督对象", "模型", "承办单位"]
    assert sheet.max_row - top == Lead.objects.filter(step=step).count()
    assert sheet.cell(top + 1, 7).number_format == "0.00"
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 2


def test_the_cli_runs_a_model_version(
    loaded: dict[str, Any], planted: synth.Planted, capsys: Any
) -> None:
    assert (
        main(["supervision", "run", "correction-uprating", "--version", "1", "--as", "sd-admin"])
        == 0
    )
    out = capsys.readouterr().out
    count = len(planted.leads["correction-uprating"])
    assert out.splitlines()[0].startswith("run ")
    assert f"{count} leads, {count} new" in out
    assert len(out.splitlines()) == 1 + count
    assert not any(n in out for n in _clear_numbers(planted))
    assert (
        main(["supervision", "run", "correction-uprating", "--version", "9", "--as", "sd-admin"])
        == 2
    )


def test_overdue_leads_are_listed_by_the_cli_and_flagged_on_the_page(
    worked: dict[str, Any], make_member: Callable[..., Any], settings: Any, capsys: Any
) -> None:
    clerk = make_member(Role.GRASSROOTS_CLERK, "370104", "huaiyin")
    mine = Lead.objects.filter(unit__code="370104")
    since = min(mine.values_list("step_since", flat=True))
    later = since + dt.timedelta(days=settings.GRASSROOTS_LEAD_STEP_DAYS["screening"] + 1)
    assert main(["supervision", "overdue", "--as", "huaiyin", "--today", since.isoformat()]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 overdue lead(s)"
    assert (
        main(["supervision", "overdue", "--as", "huaiyin", "--today", later.isoformat(), "--fail"])
        == 1
    )
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == f"{mine.count()} overdue lead(s)"
    assert all(line.startswith("370104\t") for line in out[:-1])
    settings.GRASSROOTS_LEAD_STEP_DAYS = {**settings.GRASSROOTS_LEAD_STEP_DAYS, "screening": -1}
    page = _client(clerk).get(reverse("supervision:leads") + "?overdue=1").content.decode()
    assert page.count('class="is-overdue"') == mine.count()


def test_a_model_that_reads_a_file_is_refused_on_its_page(
    admin: Any, province: dict[str, Any]
) -> None:
    response = _client(admin).post(
        reverse("supervision:new-model-version"),
        {
            "code": "bad",
            "name_zh": "坏模型",
            "business_line": "行政检察",
            "supervision_point": "x",
            "sql": "SELECT * FROM read_csv('/etc/passwd')",
            "parameters": "{}",
        },
    )
    assert "模型不得读取文件：read_csv" in response.content.decode()
    assert not SupervisionModel.objects.exists()


def test_a_draft_of_another_unit_cannot_be_run(
    worked: dict[str, Any], province: dict[str, Any], make_member: Callable[..., Any]
) -> None:
    jinan = make_member(Role.CITY_REVIEWER, "370100", "jinan")
    draft = save_model_version(
        actor=jinan,
        unit=province["370100"],
        code="jinan-draft",
        name_zh="草稿",
        business_line="行政检察",
        supervision_point="x",
        sql="SELECT id_number AS subject, region_code AS unit_code FROM death_records",
    )
    lixia = make_member(Role.GRASSROOTS_CLERK, "370102", "lixia")
    url = "/api/supervision/models/jinan-draft/versions/1/run"
    answer = _api(lixia).post(url, {}, content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["detail"] == "只有已上架的版本才能在模型所属单位以外运行"
    assert _api(jinan).post(url, {}, content_type="application/json").status_code == 201
    assert draft.runs.count() == 1


def _upload(client: Client, unit: str, data: bytes, name: str = "death_records") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/api/supervision/datasets",
        {
            "unit": unit,
            "name": name,
            "title": "死亡人员",
            "source_agency": "公安局",
            "data_date": "2025-01-10",
            "legal_basis": "数据共享协议",
            "columns": "id_number:id_number, name:text, region_code:text, death_date:date",
            "file": SimpleUploadedFile("deaths.csv", data),
        },
    )


def test_datasets_and_models_are_written_through_the_api_in_scope(
    province: dict[str, Any], make_member: Callable[..., Any]
) -> None:
    number = idnumber.make_id("370102", dt.date(1940, 1, 1), 5)
    good = f"id_number,name,region_code,death_date\n{number},甲,370102,2024-01-01\n".encode(
        "gb18030"
    )
    bad = b"id_number,name,region_code,death_date\n123,x,370102,2024-01-01\n"
    lixia = make_member(Role.GRASSROOTS_CLERK, "370102", "lixia")
    api = _api(lixia)
    answer = _upload(api, "370102", bad)
    assert answer.status_code == 400
    assert answer.json()["problems"] == [
        {
            "source": "deaths.csv",
            "sheet": None,
            "row": 2,
            "column": "id_number",
            "message": "文件 deaths.csv 第 2 行 id_number 列：身份证号不是 18 位（“***”）",
        }
    ]
    assert _upload(api, "370202", good).status_code == 404  # another city's county
    assert _upload(api, "370100", good).status_code == 404  # above the clerk's unit
    answer = _upload(api, "370102", good)
    assert answer.status_code == 201
    assert answer.json()["rows"] == 1
    assert number not in answer.content.decode()
    version_id = answer.json()["id"]
    leader = make_member(Role.LEADER, "370000", "leader")
    assert (
        _api(leader)
        .delete(
            f"/api/supervision/datasets/{version_id}",
            {"reason": "x"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    shinan = make_member(Role.GRASSROOTS_CLERK, "370202", "shinan")
    assert (
        _api(shinan)
        .delete(
            f"/api/supervision/datasets/{version_id}",
            {"reason": "x"},
            content_type="application/json",
        )
        .status_code
        == 404
    )
    model = {
        "unit": "370102",
        "code": "lixia-deaths",
        "name_zh": "历下死亡",
        "business_line": "行政检察",
        "supervision_point": "x",
        "sql": "SELECT * FROM read_parquet('/tmp/x.parquet')",
    }
    answer = api.post("/api/supervision/models", model, content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["detail"] == "模型不得读取文件：read_parquet"
    model["sql"] = "SELECT id_number AS subject, region_code AS unit_code FROM death_records"
    answer = api.post("/api/supervision/models", model, content_type="application/json")
    assert answer.status_code == 201
    assert answer.json()["status"] == "draft"
    assert api.post("/api/supervision/models/lixia-deaths/versions/1/advance").status_code == 403
    assert (
        _api(shinan)
        .post(
            "/api/supervision/models", {**model, "unit": "370202"}, content_type="application/json"
        )
        .status_code
        == 404
    )
    admin = make_member(Role.PROVINCE_ADMIN, "370000", "admin2")
    assert (
        _api(admin).post("/api/supervision/models/lixia-deaths/versions/1/advance").json()["status"]
        == "reviewed"
    )
    answer = _api(admin).delete(
        f"/api/supervision/datasets/{version_id}",
        {"reason": "期限届满"},
        content_type="application/json",
    )
    assert answer.json()["deleted"] is True


def test_the_worker_runs_a_due_schedule(loaded: dict[str, Any], admin: Any, capsys: Any) -> None:
    from django.utils import timezone

    from grassroots.supervision.services import schedule_runs

    page = _client(admin)
    version = loaded["custody-pension"]
    response = page.post(
        reverse("supervision:model-version", args=[version.pk]),
        {"action": "schedule", "every_days": "7", "first_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert (
        "每 7 天运行一次"
        in page.get(reverse("supervision:model-version", args=[version.pk])).content.decode()
    )
    assert main(["runs", "work", "--once"]) == 0
    assert "1 scheduled supervision run(s) executed" in capsys.readouterr().out
    assert version.runs.count() == 1
    draft = save_model_version(
        actor=admin,
        unit=version.model.owner,
        code="custody-pension",
        name_zh="x",
        business_line="行政检察",
        supervision_point="x",
        sql=version.sql,
        parameters=version.parameters,
    )
    with pytest.raises(SupervisionError, match="已上架"):
        schedule_runs(actor=admin, version=draft, every_days=1, first_on=timezone.localdate())


def test_measures_are_data_elements_per_unit_and_period(
    worked: dict[str, Any], admin: Any, planted: synth.Planted, make_member: Callable[..., Any]
) -> None:
    from django.utils import timezone

    from grassroots.engine.periods import Period
    from grassroots.supervision.services import advance_lead

    lead = Lead.objects.filter(unit__code="370202").first()
    assert lead is not None
    for step in ("review", "verification", "filed"):
        advance_lead(actor=admin, lead=lead, step=step, on=lead.step_since)
    period = Period.parse(
        f"{timezone.localdate().year}Q{(timezone.localdate().month - 1) // 3 + 1}"
    )
    rows = _api(admin).get(f"/api/supervision/elements?period={period.key}").json()
    values = {(r["unit_code"], r["element"]): r["value"] for r in rows}
    shinan = Lead.objects.filter(unit__code="370202").count()
    assert values[("370202", "supervision_leads")] == shinan
    assert values[("370202", "supervision_cases_filed")] == 1
    assert values[("370202", "supervision_conversion_rate")] == pytest.approx(1 / shinan)
    # The API's counts are the ones runs read through the element source (one piece of code).
    from grassroots.intake import element_sources
    from grassroots.supervision.elements import ELEMENTS

    sourced = element_sources.read_values(
        "supervision", units=sorted({u for u, _e in values}), periods=[period.key],
        elements=list(ELEMENTS),
    )  # fmt: skip
    assert {(v.unit_code, v.element): v.value for v in sourced} == {
        k: v for k, v in values.items() if k[1] != "supervision_conversion_rate"
    }
    assert sum(v for (u, e), v in values.items() if e == "supervision_leads") == sum(
        len(s) for s in planted.leads.values()
    )
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102", "lixia")
    assert {
        r["unit_code"]
        for r in _api(clerk).get(f"/api/supervision/elements?period={period.key}").json()
    } == {"370102"}
    assert _api(admin).get("/api/supervision/elements?period=2019Q1").json() == []
    assert _api(admin).get("/api/supervision/elements?period=bad").status_code == 422


def test_runs_read_the_measures_through_the_element_source(
    worked: dict[str, Any], admin: Any
) -> None:
    """Issue 16.4: the measures reach runs through intake's element-source registry; a lead
    counts for its responsible unit in the period it was found, traced by its id."""
    from django.utils import timezone

    from grassroots.engine.periods import Period
    from grassroots.intake import element_sources
    from grassroots.supervision.services import advance_lead

    lead = Lead.objects.filter(unit__code="370202").order_by("pk").first()
    assert lead is not None
    for step in ("review", "verification", "filed"):
        advance_lead(actor=admin, lead=lead, step=step, on=lead.step_since)
    today = timezone.localdate()
    period = Period.parse(f"{today.year}Q{(today.month - 1) // 3 + 1}").key
    units = sorted(set(Lead.objects.values_list("unit__code", flat=True)))
    values = element_sources.read_values(
        "supervision",
        units=units,
        periods=[period],
        elements=["supervision_leads", "supervision_cases_filed"],
    )
    got = {(v.unit_code, v.element): v for v in values}
    shinan = list(Lead.objects.filter(unit__code="370202").order_by("pk"))
    assert got[("370202", "supervision_leads")].value == len(shinan)
    assert got[("370202", "supervision_leads")].evidence == tuple(
        sorted(f"lead:{x.pk}" for x in shinan)
    )
    assert got[("370202", "supervision_cases_filed")].value == 1
    assert got[("370202", "supervision_cases_filed")].evidence == (f"lead:{lead.pk}",)
    assert sum(v.value for v in values if v.element == "supervision_leads") == Lead.objects.count()
    # Another period holds none of these leads; a unit not asked for is never answered.
    assert (
        element_sources.read_values(
            "supervision", units=units, periods=["2019Q1"], elements=["supervision_leads"]
        )
        == []
    )
    only = element_sources.read_values(
        "supervision", units=["370202"], periods=[period], elements=["supervision_leads"]
    )
    assert {v.unit_code for v in only} == {"370202"}
