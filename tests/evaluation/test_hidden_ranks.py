"""Hidden ranks stay hidden: a role the scheme hides ranks (and colours) from gets no rank on any
surface (pages, exports, API, chart JSON) and no table in score order; the province
administrator, who may see them, does, on the same surfaces (so every check can fail)."""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from grassroots.evaluation.models import EvaluationRun, SchemeVersion
from grassroots.evaluation.runs import run_evaluation as run_service
from grassroots.evaluation.schemes import (
    latest_scheme_version,
    load_shipped_schemes,
    save_scheme_version,
)
from grassroots.organisations.models import Role

# The leader sees neither ranks nor colours in this version of the scheme.
HIDDEN_FROM_LEADER = (
    "  show_ranks_to: [province_admin, city_admin]\n"
    "  show_colours_to: [province_admin, city_admin]\n"
)
RANK_KEY = re.compile(r"^(rank|rank_.*|colour_share)$")
UNIT = "370102"


@pytest.fixture
def scheme(shandong) -> SchemeVersion:
    load_shipped_schemes()
    text = latest_scheme_version("core-business").yaml_text
    shown = re.search(r"  show_ranks_to:.*\n  show_colours_to:.*\n", text)
    assert shown is not None
    hidden = text.replace(shown.group(0), HIDDEN_FROM_LEADER)
    return save_scheme_version(code="core-business", yaml_text=hidden, actor=None, note="test")


@pytest.fixture
def runs(scheme, cases_dir, published) -> dict[str, EvaluationRun]:
    """Two quarters (for changes and awards), the latest with rank intervals."""
    return {
        p: published(
            run_service(
                scheme_version=scheme, period=p, source=cases_dir, actor=None, sensitivity=s
            )
        )
        for p, s in (("2024Q3", 0), ("2024Q4", 20))
    }


@pytest.fixture
def leader(member, shandong) -> Client:
    return member(Role.LEADER, "370000")


@pytest.fixture
def admin(member, shandong) -> Client:
    return member(Role.PROVINCE_ADMIN, "370000")


def _league_codes(html: str) -> list[str]:
    body = html.split('<table id="league">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>(\d{6})</td>", body)


def _league(client: Client, run: EvaluationRun, **query: str) -> str:
    response = client.get(reverse("evaluation:run", args=[run.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def _csv_rows(client: Client, run: EvaluationRun, **query: str) -> list[list[str]]:
    response = client.get(reverse("evaluation:run", args=[run.pk]), {"format": "csv", **query})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _keys(value: object) -> set[str]:
    """Every key of every dict in a JSON value, however deep."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _json_scripts(html: str) -> list[object]:
    found = re.findall(r'<script id="[^"]+" type="application/json">(.*?)</script>', html, re.S)
    return [json.loads(text) for text in found]


def test_the_league_table_lists_units_by_code_for_a_role_without_ranks(leader, runs) -> None:
    codes = _league_codes(_league(leader, runs["2024Q4"]))
    assert len(codes) > 10
    assert codes == sorted(codes)


def test_a_score_sort_is_ignored_for_a_role_without_ranks(leader, runs) -> None:
    for sort in ("score", "change", "rank"):
        codes = _league_codes(_league(leader, runs["2024Q4"], sort=sort, order="desc"))
        assert codes == sorted(codes), sort


def test_the_league_offers_no_score_sort_to_a_role_without_ranks(leader, runs) -> None:
    html = _league(leader, runs["2024Q4"])
    assert "sort=score" not in html
    assert "sort=change" not in html
    assert "sort=rank" not in html
    assert 'name="sort" value="code"' in html


def test_the_league_is_in_score_order_for_a_role_with_ranks(admin, runs) -> None:
    html = _league(admin, runs["2024Q4"])
    codes = _league_codes(html)
    assert codes != sorted(codes)
    assert "sort=score" in html


def test_the_csv_has_no_rank_and_is_in_code_order_without_ranks(leader, runs) -> None:
    rows = _csv_rows(leader, runs["2024Q4"], sort="score")
    header = " ".join(rows[0]).lower()
    assert "rank" not in header
    assert "colour" not in header
    codes = [r[0] for r in rows[1:]]
    assert codes == sorted(codes)


def test_the_csv_has_ranks_in_score_order_for_a_role_with_ranks(admin, runs) -> None:
    rows = _csv_rows(admin, runs["2024Q4"])
    assert "全省排名" in rows[0]
    codes = [r[0] for r in rows[1:]]
    assert codes != sorted(codes)


def _xlsx_header(client: Client, run: EvaluationRun) -> list[str]:
    response = client.get(reverse("evaluation:export-xlsx", args=[run.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    return [str(c) for c in next(sheet.iter_rows(max_row=1, values_only=True))]


def test_the_excel_export_has_no_rank_nor_colour_share_when_hidden(leader, runs) -> None:
    header = _xlsx_header(leader, runs["2024Q4"])
    assert not [h for h in header if RANK_KEY.match(h)]
    assert "colour" not in header
    assert "why" not in header


def test_the_excel_export_has_ranks_and_colour_share_when_shown(admin, runs) -> None:
    header = _xlsx_header(admin, runs["2024Q4"])
    assert {"rank_peer", "rank_all", "rank_q05", "rank_q95", "colour_share"} <= set(header)


def _api_results(client: Client, run: EvaluationRun) -> dict:
    response = client.get(f"/api/evaluation/runs/{run.pk}/results", {"limit": 500})
    assert response.status_code == 200
    return response.json()


def test_the_api_gives_no_rank_in_code_order_when_hidden(leader, runs) -> None:
    page = _api_results(leader, runs["2024Q4"])
    assert page["ranks_shown"] is False
    for item in page["items"]:
        assert all(item[k] is None for k in item if RANK_KEY.match(k)), item
        assert item["colour"] == ""
    codes = [i["unit_code"] for i in page["items"]]
    assert codes == sorted(codes)


def test_the_api_gives_ranks_when_shown(admin, runs) -> None:
    page = _api_results(admin, runs["2024Q4"])
    assert any(item["rank_all"] is not None for item in page["items"])
    assert any(item["rank_q05"] is not None for item in page["items"])


def _heat_units(client: Client, run: EvaluationRun) -> list[str]:
    response = client.get(reverse("evaluation:heatmap", args=[run.pk]))
    assert response.status_code == 200
    (option,) = [o for o in _json_scripts(response.content.decode()) if "units" in o]
    assert not [k for k in _keys(option) if RANK_KEY.match(k)]
    return option["units"]


def test_the_heatmap_json_is_in_code_order_without_ranks(leader, runs) -> None:
    units = _heat_units(leader, runs["2024Q4"])
    assert units == sorted(units)


def _profile(client: Client, run: EvaluationRun) -> str:
    response = client.get(reverse("evaluation:unit-profile", args=[run.pk, UNIT]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_profile_shows_no_rank_and_no_peer_values_when_hidden(leader, runs) -> None:
    html = _profile(leader, runs["2024Q4"])
    options = _json_scripts(html)
    assert not [k for o in options for k in _keys(o) if RANK_KEY.match(k)]
    text = json.dumps(options, ensure_ascii=False)
    assert "全市中位数" not in text
    assert "City median" not in text
    assert "同组范围" not in text
    assert "Peer range" not in text
    assert "waterfall-option" not in html
    assert "rank interval" not in html
    assert "排名区间" not in html


def test_the_profile_shows_peers_and_ranks_when_shown(admin, runs) -> None:
    html = _profile(admin, runs["2024Q4"])
    assert "waterfall-option" in html
    text = json.dumps(_json_scripts(html), ensure_ascii=False)
    assert "City median" in text or "全市中位数" in text
    assert "Peer range" in text or "同组范围" in text


def test_the_warnings_page_gives_no_rank_drop_when_hidden(leader, admin, runs) -> None:
    url = reverse("evaluation:warnings", args=[runs["2024Q4"].pk])
    hidden = leader.get(url, {"kind": "rank_drop"})
    assert hidden.context["total"] == 0
    assert "排名下降指" not in hidden.text  # nor the rule of rank drops
    offered = [o.value for o in leader.get(url).context["shown"].options["kind"]]
    assert "rank_drop" not in offered  # nor a filter for them
    assert "missing" in offered
    shown = admin.get(url, {"kind": "rank_drop"})
    assert shown.context["total"] >= 0  # the page answers
    assert "排名下降指" in shown.text
    assert "rank_drop" in [o.value for o in shown.context["shown"].options["kind"]]


def _awards(client: Client) -> tuple[list[str], str]:
    response = client.get(reverse("assistance:awards"), {"quarter": "2024Q4"})
    assert response.status_code == 200
    ranking = response.context["ranking"]
    return [r.unit.code for r in ranking.rows], response.content.decode()


def test_the_awards_page_lists_units_by_code_without_ranks(leader, runs) -> None:
    codes, html = _awards(leader)
    assert len(codes) > 10
    assert codes == sorted(codes)
    thead = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "Rank" not in thead
    assert "排名" not in thead
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "排名" not in main.replace("不显示排名", "")  # the page says why it shows none


def test_the_awards_page_ranks_units_for_a_role_with_ranks(admin, runs) -> None:
    codes, _html = _awards(admin)
    assert codes != sorted(codes)


def test_the_leaders_workbench_shows_no_colours_the_scheme_hides(leader, runs) -> None:
    page = leader.get("/").content.decode()
    assert "最新发布的评价" in page  # the workbench is there, with the latest run
    assert "colour-counts" not in page


# A clerk (issue 19.5): the scheme hides ranks from grassroots clerks too.


@pytest.fixture
def clerk(member, shandong) -> Client:
    return member(Role.GRASSROOTS_CLERK, UNIT)


def test_a_clerks_profile_charts_show_no_peer_values(clerk, runs) -> None:
    html = _profile(clerk, runs["2024Q4"])
    options = _json_scripts(html)
    assert options  # the charts are there, only without peers
    assert not [k for o in options for k in _keys(o) if RANK_KEY.match(k)]
    text = json.dumps(options, ensure_ascii=False)
    for peer_series in ("全市中位数", "City median", "同组范围", "Peer range"):
        assert peer_series not in text
    assert "waterfall-option" not in html


def test_a_clerk_gets_no_rank_from_the_api(clerk, runs) -> None:
    page = _api_results(clerk, runs["2024Q4"])
    assert page["ranks_shown"] is False
    assert all(r["rank_all"] is None and r["rank_peer"] is None for r in page["items"])
    assert {r["unit_code"] for r in page["items"]} == {UNIT}
