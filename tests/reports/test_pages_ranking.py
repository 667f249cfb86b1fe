"""Issue 12.3: the pages follow the province's ranking policy. In "analysis" mode (the default)
no page shows a rank, a rank interval or a table in score order, even to the province
administrator whom the scheme lets see ranks; in "ranking" mode the same pages do, with rank
intervals. One test per page (and its exports), each run in both modes so every check can fail."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from grassroots.organisations.models import Role, Unit
from grassroots.reports.services import set_policy

PERIOD = "2024Q4"
UNIT = "370102"  # the fixture's weak unit
RANK_KEY = re.compile(r"^(rank|rank_.*|colour_share)$")
RANK_CELL = re.compile(r"<td[^>]*>\s*\d+/\d+")  # "12/136": a rank among the ranked


@pytest.fixture(params=["analysis", "ranking"])
def mode(request, world) -> str:
    set_policy(
        province=Unit.objects.get(code="370000"),
        ranking=request.param,
        marking="内部资料 注意保存",
        issuer="",
        actor=world["admin"],
    )
    return str(request.param)


@pytest.fixture
def admin(world, mode) -> Client:
    client = Client()
    client.force_login(world["admin"])
    return client


def _html(client: Client, url: str, **query: Any) -> str:
    response = client.get(url, query)
    assert response.status_code == 200, url
    return response.content.decode()


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _json_scripts(html: str) -> list[object]:
    found = re.findall(r'<script id="[^"]+" type="application/json">(.*?)</script>', html, re.S)
    return [json.loads(text) for text in found]


def _league_codes(html: str) -> list[str]:
    body = html.split('<table id="league">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>(\d{6})</td>", body)


def test_the_league_page(admin, mode, world) -> None:
    run = world["runs"][PERIOD]
    html = _html(admin, reverse("evaluation:run", args=[run.pk]), sort="score", order="desc")
    codes = _league_codes(html)
    plain = _html(admin, reverse("evaluation:run", args=[run.pk]))
    assert len(codes) > 10
    # No rank-change column either where ranks are not shown (issue 18.5).
    assert ("名次变化" in plain) is (mode == "ranking")
    if mode == "analysis":
        assert codes == sorted(codes)  # an order by score would show the ranks
        assert "sort=score" not in plain
        # The page says why: the province's policy, not the administrator's role.
        assert "本省采用分析模式" in plain
        assert "您的角色不显示排名" not in plain
    else:
        assert codes != sorted(codes)
        assert "sort=score" in plain
        assert "本省采用分析模式" not in plain


def test_the_league_csv_and_excel_exports(admin, mode, world) -> None:
    run = world["runs"][PERIOD]
    response = admin.get(reverse("evaluation:run", args=[run.pk]), {"format": "csv"})
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    response = admin.get(reverse("evaluation:export-xlsx", args=[run.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    columns = [str(c) for c in next(sheet.iter_rows(max_row=1, values_only=True))]
    if mode == "analysis":
        assert "全省排名" not in header
        assert not [h for h in columns if h.startswith("rank")]
    else:
        assert "全省排名" in header
        assert {"rank_all", "rank_q05", "rank_q95"} <= set(columns)


def test_the_results_api(admin, mode, world) -> None:
    run = world["runs"][PERIOD]
    page = admin.get(f"/api/evaluation/runs/{run.pk}/results", {"limit": 500}).json()
    assert page["ranks_shown"] is (mode == "ranking")
    intervals = [i["rank_q05"] for i in page["items"] if i["rank_q05"] is not None]
    assert bool(intervals) is (mode == "ranking")


def test_the_heatmap_page(admin, mode, world) -> None:
    run = world["runs"][PERIOD]
    html = _html(admin, reverse("evaluation:heatmap", args=[run.pk]))
    (option,) = [o for o in _json_scripts(html) if isinstance(o, dict) and "units" in o]
    if mode == "analysis":
        assert option["units"] == sorted(option["units"])
        assert not [k for k in _keys(option) if RANK_KEY.match(k)]


def test_the_unit_profile_page(admin, mode, world) -> None:
    run = world["runs"][PERIOD]
    html = _html(admin, reverse("evaluation:unit-profile", args=[run.pk, UNIT]))
    options = _json_scripts(html)
    shown = [k for o in options for k in _keys(o) if RANK_KEY.match(k)]
    if mode == "analysis":
        assert not shown
        assert "排名区间" not in html
    # Peer comparisons are analysis, not ranking: the city median on the radar, the gap to the
    # peer median (waterfall) and the peers' range in the trends show in both modes.
    assert "waterfall-option" in html
    charts = [o for o in options if isinstance(o, dict)]
    radar = next(o for o in charts if "radar" in o)
    assert [d["name"] for d in radar["series"][0]["data"]][1] == "全市中位数"
    assert any(s.get("name") == "同组范围" for o in charts for s in o.get("series", []))


def test_the_warnings_page(admin, mode, world) -> None:
    run = world["runs"][PERIOD]
    url = reverse("evaluation:warnings", args=[run.pk])
    response = admin.get(url, {"kind": "rank_drop"})
    assert response.status_code == 200
    if mode == "analysis":
        assert response.context["total"] == 0


def test_the_awards_page(admin, mode) -> None:
    response = admin.get(reverse("assistance:awards"), {"quarter": PERIOD})
    assert response.status_code == 200
    codes = [r.unit.code for r in response.context["ranking"].rows]
    thead = response.content.decode().split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert len(codes) > 10
    if mode == "analysis":
        assert codes == sorted(codes)
        assert "排名" not in thead
    else:
        assert codes != sorted(codes)


def test_the_candidates_page(admin, mode) -> None:
    response = admin.get(reverse("assistance:candidates"))
    assert response.status_code == 200
    found = response.context["found"]
    ranks = [h.rank for row in found.rows for h in row.history if h.rank is not None]
    assert found.rows
    if mode == "analysis":
        assert ranks == []
        assert not RANK_CELL.search(response.content.decode())
    else:
        assert ranks


def test_the_designate_page(admin, mode) -> None:
    response = admin.get(reverse("assistance:designate", args=["370103"]))
    assert response.status_code == 200
    ranks = [h.rank for h in response.context["history"] if h.rank is not None]
    if mode == "analysis":
        assert ranks == []
        assert not RANK_CELL.search(response.content.decode())
    else:
        assert ranks


def test_the_board_and_plan_pages(admin, mode, world) -> None:
    board = _html(admin, reverse("assistance:index"))
    plan = admin.get(reverse("assistance:plan", args=[UNIT]))
    assert plan.status_code == 200
    assert plan.context["ranks_shown"] is (mode == "ranking")
    if mode == "analysis":
        assert not RANK_CELL.search(board)


def test_the_relapse_page(admin, mode) -> None:
    response = admin.get(reverse("assistance:relapse"))
    assert response.status_code == 200
    if mode == "analysis":
        assert not RANK_CELL.search(response.content.decode())


def test_the_default_of_a_new_installation_is_analysis() -> None:
    from grassroots.web import settings as production

    assert production.REPORTS_RANKING == "analysis"


def test_a_role_the_scheme_hides_ranks_from_sees_none_in_ranking_mode(world, member) -> None:
    set_policy(
        province=Unit.objects.get(code="370000"),
        ranking="ranking",
        marking="",
        issuer="",
        actor=world["admin"],
    )
    client, _user = member(Role.GRASSROOTS_CLERK, "370103")
    run = world["runs"][PERIOD]
    page = client.get(f"/api/evaluation/runs/{run.pk}/results", {"limit": 500}).json()
    assert page["ranks_shown"] is False
