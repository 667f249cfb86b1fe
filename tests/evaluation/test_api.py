from __future__ import annotations

from grassroots.evaluation.models import EvaluationRun, RunStatus
from grassroots.organisations.models import Role


def test_the_api_lists_runs_with_their_recorded_inputs(runs, member) -> None:
    body = member(Role.LEADER, "370000").get("/api/evaluation/runs").json()
    run = next(r for r in body if r["id"] == runs["2024Q4"].pk)
    assert run["input_hash"] == runs["2024Q4"].input_hash
    assert run["status"] == "done"
    assert "units.csv" in run["data_versions"]


def test_api_results_are_limited_to_the_callers_city(runs, member) -> None:
    run = runs["2024Q4"]
    body = (
        member(Role.CITY_REVIEWER, "370100")
        .get(f"/api/evaluation/runs/{run.pk}/results", {"node": "core-business"})
        .json()
    )
    codes = {item["unit_code"] for item in body["items"]}
    assert codes
    assert all(c.startswith("3701") for c in codes)
    assert body["count"] == len(codes)
    assert body["ranks_shown"] is True
    assert any(item["rank_all"] is not None for item in body["items"])


def test_api_results_hide_ranks_from_a_leader(runs, member) -> None:
    body = (
        member(Role.LEADER, "370000")
        .get(f"/api/evaluation/runs/{runs['2024Q4'].pk}/results", {"node": "core-business"})
        .json()
    )
    assert body["ranks_shown"] is False
    assert body["colours_shown"] is True
    assert body["items"]
    assert all(i["rank_all"] is None and i["rank_peer"] is None for i in body["items"])
    assert all(i["why"] == "" for i in body["items"])
    assert {i["colour"] for i in body["items"]} <= {"red", "yellow", "green"}


def test_the_api_answers_404_for_an_unknown_run(runs, member) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    assert client.get("/api/evaluation/runs/999999").status_code == 404
    assert client.get("/api/evaluation/runs/999999/results").status_code == 404


def test_the_api_queues_a_run_for_the_province_admin_only(
    scheme, cases_dir, member, settings, tmp_path
) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "shandong").symlink_to(cases_dir)
    settings.DATA_DIR = tmp_path
    payload = {"scheme": "core-business", "period": "2024Q4", "source": str(cases_dir.resolve())}
    leader = member(Role.LEADER, "370000").post(
        "/api/evaluation/runs", payload, content_type="application/json"
    )
    assert leader.status_code == 403
    admin_client = member(Role.PROVINCE_ADMIN, "370000")
    admin = admin_client.post("/api/evaluation/runs", payload, content_type="application/json")
    assert admin.status_code == 202, admin.content
    assert EvaluationRun.objects.get().status == RunStatus.QUEUED
    elsewhere = admin_client.post(
        "/api/evaluation/runs", {**payload, "source": "/etc"}, content_type="application/json"
    )
    assert elsewhere.status_code == 422
