"""The leader's workbench names the biggest movers since the previous period (issue 18.2)."""

from __future__ import annotations

import pytest

from grassroots.evaluation.models import Result
from grassroots.evaluation.schemes import scheme_of
from grassroots.organisations.models import Role


def _changes(now, before) -> dict[str, float]:
    """Each unit's overall score now minus before, from the stored results."""
    node = scheme_of(now.scheme_version).root.code

    def scores(run):
        rows = Result.objects.filter(run=run, node=node, score__isnull=False)
        return dict(rows.values_list("unit_code", "score"))

    a, b = scores(now), scores(before)
    return {c: a[c] - b[c] for c in a if c in b}


def test_the_leader_sees_the_biggest_risers_and_fallers_of_the_overall_score(runs, member) -> None:
    change = _changes(runs["2024Q4"], runs["2024Q3"])
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


def test_in_analysis_mode_the_leader_sees_how_many_rose_and_fell_not_who_most(runs, member) -> None:
    """An order by change is an order: where the province's policy forbids ranking the workbench
    lists no movers, only how many units' overall score rose and fell."""
    from django.contrib.auth import get_user_model

    from grassroots.organisations.models import Unit
    from grassroots.reports.services import set_policy

    change = list(_changes(runs["2024Q4"], runs["2024Q3"]).values())
    client = member(Role.LEADER, "370000")
    member(Role.PROVINCE_ADMIN, "370000")  # makes the administrator who sets the policy
    actor = get_user_model().objects.get(username=f"{Role.PROVINCE_ADMIN}-370000")
    set_policy(province=Unit.objects.get(code="370000"), ranking="analysis", marking="",
               issuer="", actor=actor)  # fmt: skip
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    bench = page.context["bench"]
    assert bench.risers == []
    assert bench.fallers == []
    assert (bench.rose, bench.fell) == (sum(d > 0 for d in change), sum(d < 0 for d in change))
    html = page.content.decode()
    assert f"综合得分上升的单位{bench.rose}个，下降的{bench.fell}个" in html
    assert "变化最大的单位" not in html
    set_policy(province=Unit.objects.get(code="370000"), ranking="ranking", marking="",
               issuer="", actor=actor)  # fmt: skip
    assert client.get("/").context["bench"].risers
