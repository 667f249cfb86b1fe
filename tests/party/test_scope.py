"""Every party page and endpoint: in scope 200, out of scope 404 (never 403); ranks and colours
follow the scheme's visibility, and a hidden rank does not leak through the order."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import re
from typing import Any

import openpyxl
import pytest
from django.test import Client

from grassroots.party import services
from grassroots.party.models import Task
from tests.party.test_cycle import run_quarter
from tests.party.world import PDF


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def cycled(world) -> dict[str, Any]:
    run_quarter(world, lixia_score=6)
    return world


def test_pages_in_scope_answer_and_out_of_scope_are_404(cycled) -> None:
    w = cycled
    task = Task.objects.filter(unit__code="370102", owner=w["people"]["370102"]["branch"]).first()
    other = Task.objects.filter(unit__code="370103").first()
    assert task is not None
    assert other is not None
    pages = {
        "/party/": ("admin", None),
        "/party/units/370102/": ("committee", "other-committee"),
        "/party/units/370102/orgs/": ("committee", "other-committee"),
        "/party/units/370102/plans/": ("committee", "lixia-prosecutor"),
        "/party/units/370102/reports/2024Q1/": ("committee", "qingdao-reviewer"),
        f"/party/tasks/{task.pk}/": ("lixia-branch", "lixia-prosecutor"),
        f"/party/tasks/{task.pk}/evidence/": ("lixia-chief", "other-committee"),
        "/party/scheme/": ("admin", "committee"),
    }
    for url, (ok, denied) in pages.items():
        assert client_for(w[ok]).get(url).status_code == 200, url
        if denied:
            assert client_for(w[denied]).get(url).status_code == 404, (url, denied)
    assert client_for(w["lixia-branch"]).get(f"/party/tasks/{other.pk}/").status_code == 404
    # the city reviewer of Qingdao does not see Jinan's unit
    assert client_for(w["qingdao-reviewer"]).get("/party/units/370102/").status_code == 404
    # the secretary (a staff login) sees their unit's display page and their warning
    chief = client_for(w["lixia-chief"])
    assert chief.get("/party/units/370102/").status_code == 200
    assert (
        "黄" in chief.get("/party/").content.decode()
        or "Yellow" in chief.get("/party/").content.decode()
    )
    assert chief.get("/party/units/370103/").status_code == 404


def test_evidence_download_is_the_stored_file(cycled) -> None:
    task = Task.objects.filter(unit__code="370102").first()
    assert task is not None
    response = client_for(cycled["lixia-chief"]).get(f"/party/tasks/{task.pk}/evidence/")
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert "attachment" in response["Content-Disposition"]


def test_ranks_are_hidden_from_roles_the_scheme_does_not_name_and_the_order_is_by_code(
    cycled,
) -> None:
    # the committee is not in show_ranks_to: unit-code order, no rank column
    c = client_for(cycled["committee"])
    c.cookies["django_language"] = "en"
    body = c.get("/party/?period=2024Q1").content.decode()
    assert "in unit-code order (ranks are not shown)" in body
    # the Jinan reviewer (city_admin: named) sees ranks, in rank order: 370103, 370104, 370102
    api = client_for(cycled["reviewer"]).get("/api/party/reports?period=2024Q1").json()
    assert [r["rank"] for r in api] == [1, 2, 3]
    hidden = client_for(cycled["committee"]).get("/api/party/units/370102/display").json()
    assert hidden["quarterly"]["rank"] is None  # committee: ranks hidden by the scheme
    assert hidden["quarterly"]["colour"] == "yellow"  # a unit's managers see its colour


def test_the_units_standing_exports_the_period_chosen_with_ranks_where_shown(cycled) -> None:
    """Issue 18.6: the standing table as Excel for the period chosen, in the page's order, names
    of the unit and its city, the rank only for a role the scheme shows ranks to."""
    reviewer = client_for(cycled["reviewer"])
    response = reviewer.get("/party/", {"period": "2024Q1", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 1).value == "各院考核情况，2024年第一季度"
    top = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "代码")
    assert [c.value for c in sheet[top]][:5] == ["代码", "单位", "所属市院", "合计", "排名"]
    rows = list(sheet.iter_rows(min_row=top + 1, values_only=True))
    assert [(r[0], r[4]) for r in rows] == [("370103", 1), ("370104", 2), ("370102", 3)]
    assert rows[2][1:3] == ("历下区人民检察院", "济南市人民检察院")
    committee = client_for(cycled["committee"])  # no export right
    assert committee.get("/party/?period=2024Q1&format=csv").status_code == 404


def test_endpoints_in_and_out_of_scope(cycled) -> None:
    w = cycled
    unit = w["units"]["370102"]
    services.generate_tasks(
        unit=unit, start=dt.date(2024, 4, 1), end=dt.date(2024, 4, 30), actor=w["admin"]
    )
    open_task = Task.objects.get(unit=unit, period="2024-04", owner=w["people"]["370102"]["branch"])
    gets = {
        "/api/party/units/370102/orgs": ("committee", "other-committee"),
        "/api/party/units/370102/display": ("committee", "other-committee"),
        "/api/party/units/370102/tasks": ("committee", "reviewer"),
        f"/api/party/tasks/{open_task.pk}": ("lixia-branch", "lixia-prosecutor"),
        "/api/party/tasks/mine": ("lixia-branch", None),
        "/api/party/reports?period=2024Q1": ("admin", None),
    }
    for url, (ok, denied) in gets.items():
        assert client_for(w[ok]).get(url).status_code == 200, url
        if denied:
            assert client_for(w[denied]).get(url).status_code == 404, (url, denied)
    body = {
        "report": "完成",
        "evidence_name": "a.pdf",
        "evidence_base64": base64.b64encode(PDF).decode(),
    }
    url = f"/api/party/tasks/{open_task.pk}/done"
    assert (
        client_for(w["lixia-prosecutor"])
        .post(url, body, content_type="application/json")
        .status_code
        == 404
    )
    bad = {**body, "evidence_name": "a.exe"}
    assert (
        client_for(w["lixia-branch"]).post(url, bad, content_type="application/json").status_code
        == 422
    )
    done = client_for(w["lixia-branch"]).post(url, body, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    url = f"/api/party/tasks/{open_task.pk}/score"
    assert (
        client_for(w["lixia-branch"])
        .post(url, {"score": 5}, content_type="application/json")
        .status_code
        == 404
    )
    scored = client_for(w["lixia-chief"]).post(url, {"score": 7}, content_type="application/json")
    assert scored.status_code == 200
    assert scored.json()["score"] == 7
    produce = client_for(w["committee"]).post(
        "/api/party/reports", {"period": "2024-04"}, content_type="application/json"
    )
    assert produce.status_code == 404
    produce = client_for(w["admin"]).post(
        "/api/party/reports", {"period": "2024-04"}, content_type="application/json"
    )
    assert produce.status_code == 200
    assert produce.json()["reports"] > 0


def test_the_party_index_picks_the_period_from_the_reports_and_reads_its_spellings(
    cycled,
) -> None:
    c = client_for(cycled["committee"])
    # No period asked: the newest period with reports is shown, by its name.
    body = c.get("/party/").content.decode()
    assert '<option value="2024Q1" selected>2024年第一季度</option>' in body
    assert "2024年第一季度" in body[body.index("<caption>") :]
    # A period written as people write it finds the same reports.
    spelled = c.get("/party/?period=2024年第一季度").content.decode()
    assert spelled.count("<tr><td>") == body.count("<tr><td>") > 0


# A rank written out: "rank 3", "ranks 3–3", "名次段第3–3名", "排名3", "第3名".
RANK_TEXT = re.compile(r"(?i)\branks?\s+\d|名次段第|排名\s*\d|第\s*\d+(\s*[–-]\s*\d+)?\s*名")


def test_analysis_mode_leaves_no_rank_in_party_pages_exports_reasons_or_order(
    cycled, settings
) -> None:
    """In analysis mode (the province's ranking policy) the Jinan reviewer, whom the scheme
    shows ranks, sees none: no rank column, no rank in a colour's reason (Lixia is alone in
    the band "3–3", so the band's bounds would be its rank), no rank in the export or the API,
    and the standing in unit-code order. The secretary's warning says the colour, not a rank."""
    settings.REPORTS_RANKING = "analysis"
    for language in ("zh-hans", "en"):
        reviewer = client_for(cycled["reviewer"])
        reviewer.cookies["django_language"] = language
        for url in ("/party/?period=2024Q1", "/party/units/370102/",
                    "/party/units/370102/reports/2024Q1/"):  # fmt: skip
            body = reviewer.get(url).content.decode()
            assert not RANK_TEXT.search(body), (language, url, RANK_TEXT.search(body))
        page = reviewer.get("/party/?period=2024Q1").content.decode()
        assert ("按方案名次段定色 →" if language == "zh-hans" else "rank bands →") in page
        exported = reviewer.get("/party/", {"period": "2024Q1", "format": "csv"})
        text = exported.content.decode("utf-8-sig")
        assert not RANK_TEXT.search(text), (language, text)
        rows = [r for r in csv.reader(io.StringIO(text)) if r and r[0].isdigit()]
        assert [r[0] for r in rows] == ["370102", "370103", "370104"]  # by code, not by score
        assert all(not re.search(r"\d", r[-1]) for r in rows)  # the reasons carry no number
        chief = client_for(cycled["lixia-chief"])
        chief.cookies["django_language"] = language
        assert not RANK_TEXT.search(chief.get("/party/").content.decode())
    api = client_for(cycled["reviewer"]).get("/api/party/reports?period=2024Q1").json()
    assert [r["rank"] for r in api] == [None, None, None]
    assert [r["why"] for r in api] == ["by the scheme's rank bands → " + c
                                       for c in ("yellow", "green", "green")]  # fmt: skip
    shown = client_for(cycled["reviewer"]).get("/api/party/units/370102/display").json()
    assert shown["quarterly"]["rank"] is None
    assert not RANK_TEXT.search(json.dumps(shown, ensure_ascii=False))
