"""A leader's workbench (issue 18.2): the colour distribution by city of the latest published
run, equal to the stored results, and the weak units' progress."""

from __future__ import annotations

import re
from collections import Counter

from grassroots.evaluation.models import Result
from grassroots.evaluation.schemes import scheme_of
from grassroots.organisations.models import Role, Unit


def test_the_leader_sees_the_colours_by_city_of_the_latest_published_run(member, runs) -> None:
    latest = runs["2024Q4"]
    page = member(Role.LEADER, "370000").get("/").content.decode()
    assert "各市基层院颜色分布（2024年第四季度）" in page
    root = scheme_of(latest.scheme_version).root.code
    jinan = Unit.objects.get(code="370100")
    stored = Counter(
        Result.objects.filter(run=latest, node=root, unit_path__startswith=jinan.path)
        .exclude(unit_path=jinan.path)
        .values_list("colour", flat=True)
    )
    row = re.search(r"<tr><th scope=\"row\">[^<]*济南[^<]*</th>(.*?)</tr>", page)
    assert row is not None
    shown = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row.group(1))]
    assert shown == [stored["green"], stored["yellow"], stored["red"]]
    assert sum(shown) > 0  # Jinan's units have colours in this run
