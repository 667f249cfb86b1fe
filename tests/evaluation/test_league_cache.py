"""The league table's rows are cached per finished run (templatetags/league_rows.py): the cache
must never serve one scope's, role's or language's table to another, and must let go of a
table when a unit is renamed or an earlier run finishes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from grassroots.evaluation.models import EvaluationRun
from grassroots.evaluation.runs import run_evaluation as run_service
from grassroots.evaluation.templatetags import league_rows
from grassroots.organisations.models import AuditEntry, Level, Role, Unit
from grassroots.organisations.services import add_member, update_unit

# Cells of a row: code, unit, city, score, [3 rank cells and the rank change, when ranks show],
# [colour], score change.
WITH_RANKS, COLOURS_ONLY, NEITHER = 10, 6, 5


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables built (cache misses), by the root path and visibility they were built for."""
    built: list[str] = []
    fill = league_rows.fill_rows

    def counting(league: Any) -> None:
        built.append(f"{league.within.path} ranks={league.visible.ranks}")
        fill(league)

    monkeypatch.setattr(league_rows, "fill_rows", counting)
    return built


def login(role: Role, code: str, name: str) -> Client:
    """A logged-in client of a further user (the `member` fixture makes one per role and unit)."""
    user = get_user_model().objects.create_user(username=name, password="x-for-tests")
    add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, run: EvaluationRun, lang: str = "zh-hans", **params: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang  # the language switch's choice
    response = client.get(reverse("evaluation:run", args=[run.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>.*?</tr>", body)


def cells(html: str) -> set[int]:
    """How many cells the rows have (one number, if the table is consistent)."""
    return {r.count("<td") for r in rows(html)}


def codes(html: str) -> list[str]:
    return [re.match(r"<tr><td>(\w+)</td>", r).group(1) for r in rows(html)]  # type: ignore[union-attr]


def test_a_table_is_built_once_and_then_shared_by_users_who_may_see_the_same(
    runs, member, builds
) -> None:
    run = runs["2024Q4"]
    first = page(member(Role.PROVINCE_ADMIN, "370000"), run)
    again = page(login(Role.PROVINCE_ADMIN, "370000", "second-admin"), run)  # same scope, role
    assert builds == ["370000/ ranks=True"]
    assert rows(first) == rows(again)
    assert len(rows(first)) > 100
    assert cells(first) == {WITH_RANKS}


def test_a_role_without_ranks_never_gets_the_cached_table_with_ranks(runs, member, builds) -> None:
    run = runs["2024Q4"]
    admin = page(member(Role.PROVINCE_ADMIN, "370000"), run)
    leader = page(member(Role.LEADER, "370000"), run)  # same scope root, ranks hidden
    auditor = page(member(Role.AUDITOR, "370000"), run)  # neither ranks nor colours
    assert builds == ["370000/ ranks=True", "370000/ ranks=False", "370000/ ranks=False"]
    assert sorted(codes(admin)) == codes(leader) == codes(auditor)  # hidden ranks: code order
    assert cells(admin) == {WITH_RANKS}
    assert "全省排名" in admin
    assert cells(leader) == {COLOURS_ONLY}
    assert cells(auditor) == {NEITHER}
    for hidden in (leader, auditor):
        assert "全省排名" not in hidden
    assert 'class="colour colour-' in leader
    assert 'class="colour colour-' not in auditor
    # Sorting by rank, or filtering by a colour the role may not see, reuses nothing hidden.
    by_rank = page(login(Role.AUDITOR, "370000", "auditor-2"), run, sort="rank", colour="red")
    assert cells(by_rank) == {NEITHER}
    assert len(rows(by_rank)) == len(rows(auditor))  # the colour filter is ignored


def test_another_scope_never_gets_the_cached_table(runs, member, builds) -> None:
    run = runs["2024Q4"]
    province = page(member(Role.PROVINCE_ADMIN, "370000"), run)
    city = page(member(Role.CITY_REVIEWER, "370100"), run)
    own = sorted(c for c in codes(city))[0]
    clerk = page(member(Role.GRASSROOTS_CLERK, own), run)
    assert any(not c.startswith("3701") for c in codes(province))
    assert codes(city)
    assert all(c.startswith("3701") for c in codes(city))
    assert codes(clerk) == [own]
    assert len(builds) == 3
    # The province's own filter to that city is its own entry, with the province's ranks.
    filtered = page(login(Role.PROVINCE_ADMIN, "370000", "admin-2"), run, city="370100")
    assert sorted(codes(filtered)) == sorted(codes(city))
    assert len(builds) == 4


def test_each_language_has_its_own_rows(runs, member, builds) -> None:
    run = runs["2024Q4"]
    unit = (
        Unit.objects.filter(level=Level.GRASSROOTS, path__startswith="370000/")
        .exclude(name_en="")
        .order_by("code")
        .first()
    )
    assert unit is not None
    client = member(Role.PROVINCE_ADMIN, "370000")
    chinese, english = page(client, run, "zh-hans"), page(client, run, "en")
    assert codes(chinese) == codes(english)
    assert f">{unit.name_zh}</a>" in chinese
    assert f">{escape(unit.name_en)}</a>" not in chinese
    assert f">{escape(unit.name_en)}</a>" in english
    assert "Rank in province" in english
    assert "全省排名" in chinese
    assert len(builds) == 2
    assert rows(page(client, run, "en")) == rows(english)
    assert rows(page(client, run, "zh-hans")) == rows(chinese)
    assert len(builds) == 2  # both languages now come from the cache


def test_renaming_a_unit_or_its_city_changes_the_cached_table(runs, member, builds) -> None:
    run = runs["2024Q4"]
    client = member(Role.PROVINCE_ADMIN, "370000")
    before = page(client, run)
    unit = Unit.objects.get(code=codes(before)[0])
    city = Unit.objects.get(pk=unit.parent_id)
    stamp = AuditEntry.objects.filter(model="organisations.unit").order_by("-pk").first()

    update_unit(unit=unit, changes={"name_zh": "测试改名检察院"}, actor=None, reason="test")
    renamed = page(client, run)
    assert "测试改名检察院" in rows(renamed)[0]
    assert unit.name_zh not in renamed
    assert len(builds) == 2
    assert AuditEntry.objects.filter(model="organisations.unit").order_by("-pk").first() != stamp

    update_unit(unit=city, changes={"name_zh": "测试改名市院"}, actor=None, reason="test")
    moved = page(client, run)
    assert "<td>测试改名市院</td>" in rows(moved)[0]
    assert f'<option value="{city.code}">测试改名市院</option>' in moved  # the filter
    assert len(builds) == 3
    page(client, run)
    assert len(builds) == 3  # and the renamed table is cached in turn


def test_a_run_of_the_previous_period_published_later_is_compared_with(
    scheme, cases_dir, member, builds, published
) -> None:
    later = published(
        run_service(scheme_version=scheme, period="2024Q4", source=cases_dir, actor=None)
    )
    client = member(Role.PROVINCE_ADMIN, "370000")
    alone = page(client, later)
    assert "没有可比较的上一期" in alone
    assert all(r.endswith("—</td></tr>") for r in rows(alone))  # no change to show
    earlier = run_service(scheme_version=scheme, period="2024Q3", source=cases_dir, actor=None)
    assert "没有可比较的上一期" in page(client, later)  # a draft is not compared with
    published(earlier)
    compared = page(client, later)
    assert "2024Q3" in compared.split("<caption", 1)[1].split("</caption>", 1)[0]
    assert not all(r.endswith("—</td></tr>") for r in rows(compared))
    assert len(builds) == 2


def test_sort_order_and_colour_filter_each_have_their_own_entry(runs, member, builds) -> None:
    run = runs["2024Q4"]
    client = member(Role.PROVINCE_ADMIN, "370000")
    by_score = codes(page(client, run))
    by_code = codes(page(client, run, sort="code", order="asc"))
    red = page(client, run, colour="red")
    assert by_code == sorted(by_score)
    assert by_score != by_code
    assert rows(red)
    assert all("colour-red" in r for r in rows(red))
    assert len(rows(red)) < len(by_score)
    assert codes(page(client, run)) == by_score
    assert len(builds) == 3


def test_the_csv_export_is_built_fresh_with_every_row(runs, member, builds) -> None:
    run = runs["2024Q4"]
    admin = member(Role.PROVINCE_ADMIN, "370000")
    html = page(admin, run)
    response = admin.get(reverse("evaluation:run", args=[run.pk]), {"format": "csv"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == len(rows(html)) + 1


def test_a_cached_league_page_reads_the_user_scope_and_run_in_a_few_queries(
    runs, django_assert_max_num_queries
) -> None:
    """Session, user with membership and unit (one query), run, stamps, the province's ranking
    policy (one query, for a role the scheme shows ranks: no process keeps it, so a change made
    in another web worker shows at once) and the navigation's unread-notification count (one
    query, issue 13): every page pays the first two and the last, so they must not grow with
    the scope or come back as separate lookups."""
    client = login(Role.PROVINCE_ADMIN, "370000", "queries")
    url = reverse("evaluation:run", args=[runs["2024Q4"].pk])
    assert client.get(url).status_code == 200  # fills the cache
    with django_assert_max_num_queries(6) as captured:
        assert client.get(url).status_code == 200
    policy = [q for q in captured.captured_queries if "reports_reportpolicy" in q["sql"]]
    assert len(policy) == 1
    unread = [q for q in captured.captured_queries if "notifications_notification" in q["sql"]]
    assert len(unread) == 1
    reading = [
        q["sql"] for q in captured.captured_queries if "organisations_membership" in q["sql"]
    ]
    assert len(reading) == 1  # joined with the user
    assert '"auth_user"' in reading[0]
    assert '"organisations_unit"' in reading[0]
