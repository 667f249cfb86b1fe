from __future__ import annotations

import json
import re

from django.urls import reverse

from grassroots.organisations.models import Role


def heatmap_page(client, run, **params):
    return client.get(reverse("evaluation:heatmap", args=[run.pk]), params)


def profile_page(client, run, code):
    return client.get(reverse("evaluation:unit-profile", args=[run.pk, code]))


def test_the_heatmap_of_a_city_reviewer_holds_only_their_city(runs, member) -> None:
    client = member(Role.CITY_REVIEWER, "370100")
    heat = heatmap_page(client, runs["2024Q4"]).context["heat"]
    assert heat.rows
    assert all(r.code.startswith("3701") for r in heat.rows)
    assert heatmap_page(client, runs["2024Q4"], city="370200").status_code == 404


def test_the_heatmap_groups_indicators_by_aspect_and_greys_missing_data(runs, member) -> None:
    response = heatmap_page(member(Role.PROVINCE_ADMIN, "370000"), runs["2024Q4"])
    heat = response.context["heat"]
    assert [a.code for a, _ in heat.groups] == ["quality", "efficiency", "effect"]
    assert sum(n for _, n in heat.groups) == len(heat.columns)
    option = json.loads(
        re.search(
            r'<script id="heatmap-option" type="application/json">(.*?)</script>',
            response.content.decode(),
            re.S,
        ).group(1)
    )
    values = {v for _, _, v, _ in option["series"][0]["data"]}
    missing = runs["2024Q4"].results.filter(level="indicator", score__isnull=True).exists()
    assert (-1 in values) == missing
    assert values <= {-1, 0, 1, 2}


def test_the_heatmap_shows_scores_not_colours_to_an_auditor(runs, member) -> None:
    heat = heatmap_page(member(Role.AUDITOR, "370000"), runs["2024Q4"]).context["heat"]
    assert heat.by_colour is False
    assert all(cell.colour == "" for row in heat.rows for cell in row.cells)


def test_a_unit_profile_outside_the_scope_answers_404(runs, member) -> None:
    client = member(Role.CITY_REVIEWER, "370100")
    qingdao = runs["2024Q4"].results.filter(unit_path__startswith="370000/370200/").first()
    assert profile_page(client, runs["2024Q4"], qingdao.unit_code).status_code == 404
    jinan = runs["2024Q4"].results.filter(unit_path__startswith="370000/370100/").first()
    assert profile_page(client, runs["2024Q4"], jinan.unit_code).status_code == 200


def test_a_clerk_sees_their_own_profile_without_ranks_or_colours(runs, member) -> None:
    response = profile_page(member(Role.GRASSROOTS_CLERK, "370102"), runs["2024Q4"], "370102")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="colour colour-' not in html
    assert "rank" not in html.lower().replace("rank-", "")  # no rank, interval or reason
    other = profile_page(member(Role.GRASSROOTS_CLERK, "370103"), runs["2024Q4"], "370102")
    assert other.status_code == 404


def test_the_waterfall_contributions_add_up_to_the_gap(runs, member) -> None:
    response = profile_page(member(Role.PROVINCE_ADMIN, "370000"), runs["2024Q4"], "370102")
    option = response.context["profile"].waterfall
    up = option["series"][1]["data"][:-1]
    down = option["series"][2]["data"][:-1]
    total_up = option["series"][1]["data"][-1]
    total_down = option["series"][2]["data"][-1]
    gap = total_up - total_down
    assert abs(sum(up) - sum(down) - gap) < 0.05


def test_the_profile_radar_compares_with_the_city_median(runs, member) -> None:
    response = profile_page(member(Role.PROVINCE_ADMIN, "370000"), runs["2024Q4"], "370102")
    radar = response.context["profile"].radar
    own, median = radar["series"][0]["data"]
    assert len(own["value"]) == len(median["value"]) == 3
    quality = sorted(
        s
        for s in runs["2024Q4"]
        .results.filter(node="quality", unit_path__startswith="370000/370100/")
        .values_list("score", flat=True)
        if s is not None
    )
    mid = len(quality) // 2
    expected = quality[mid] if len(quality) % 2 else (quality[mid - 1] + quality[mid]) / 2
    assert median["value"][0] == round(expected, 1)


def test_the_profile_gives_each_value_its_unit(runs, member) -> None:
    from grassroots.engine.catalogue import load_catalogue

    catalogue = load_catalogue("spp-case-quality")
    response = profile_page(member(Role.PROVINCE_ADMIN, "370000"), runs["2024Q4"], "370102")
    profile = response.context["profile"]
    html = response.content.decode()
    for line in profile.lines:
        assert line.unit == (catalogue.indicators[line.node.indicator].unit or "")
        if line.unit == "%" and line.value is not None:
            assert f"{line.value:.2f}%" in html
    titles = [t["title"] for t in profile.trends]
    assert any(t.endswith("(%)") for t in titles)
    assert any(t.endswith("(1:x)") for t in titles)  # the case-to-procedure ratio


def test_the_trend_lines_read_all_periods_and_indicators_in_one_query(runs, member) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = member(Role.PROVINCE_ADMIN, "370000")
    profile_page(client, runs["2024Q4"], "370102")  # warm what is cached
    with CaptureQueriesContext(connection) as captured:
        response = profile_page(client, runs["2024Q4"], "370102")
    trends = response.context["profile"].trends
    assert len(trends) > 10  # one chart per indicator, over both periods
    assert all(len(t["option"]["xAxis"]["data"]) == 2 for t in trends)
    reads = [q["sql"] for q in captured.captured_queries if "evaluation_result" in q["sql"]]
    # The unit's own rows, the radar's and waterfall's reads, and one for every trend line:
    # not one per indicator and period (that was 2 × the number of indicators).
    assert len(reads) < len(trends)
