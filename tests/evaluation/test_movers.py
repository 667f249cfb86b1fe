"""The leader's workbench names the biggest movers since the previous period (issue 18.2)."""

from __future__ import annotations

import pytest

from grassroots.evaluation.models import Result
from grassroots.evaluation.schemes import scheme_of
from grassroots.organisations.models import Role


def test_the_leader_sees_the_biggest_risers_and_fallers_of_the_overall_score(runs, member) -> None:
    now, before = runs["2024Q4"], runs["2024Q3"]
    node = scheme_of(now.scheme_version).root.code

    def scores(run):
        rows = Result.objects.filter(run=run, node=node, score__isnull=False)
        return dict(rows.values_list("unit_code", "score"))

    a, b = scores(now), scores(before)
    change = {c: a[c] - b[c] for c in a if c in b}
    expected_up = sorted((c for c in change if change[c] > 0), key=lambda c: (-change[c], c))[:3]
    expected_down = sorted((c for c in change if change[c] < 0), key=lambda c: (change[c], c))[:3]
    assert expected_up
    assert expected_down

    client = member(Role.LEADER, "370000")
    page = client.get("/")
    bench = page.context["bench"]
    assert [m.unit_code for m in bench.risers] == expected_up
    assert [m.unit_code for m in bench.fallers] == expected_down
    assert bench.risers[0].change == pytest.approx(change[expected_up[0]])
    assert bench.movers_since == "2024年第三季度"
    html = page.content.decode()
    assert 'id="movers"' in html
    assert "与2024年第三季度相比" in html
    # A city leader's movers are its own city's units only.
    city = member(Role.LEADER, "370200").get("/").context["bench"]
    assert all(m.unit_code.startswith("3702") for m in [*city.risers, *city.fallers])
