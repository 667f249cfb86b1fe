"""The league table of a run over several provinces, seen from the nation and from a province.

Two small provinces, Qinghai (63) and Ningxia (64), stand in for the nation: one run over both
for 2024Q3 and 2024Q4, and a Ningxia-only run for 2024Q3.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from grassroots.engine.synth.generator import SynthOptions, generate
from grassroots.evaluation.models import EvaluationRun, SchemeVersion
from grassroots.evaluation.runs import run_evaluation as run_service
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.evaluation.selectors import is_national, previous_run, run_provinces
from grassroots.organisations.models import Level, Role, Unit
from grassroots.organisations.services import load_units
from grassroots.organisations.unitfile import reference_rows

PROVINCES = ("63", "64")


@pytest.fixture(scope="module")
def two_province_cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cases-63-64")
    generate(out, SynthOptions(first="2024Q3", last="2024Q4", provinces=PROVINCES, scale=0.3))
    return out


@pytest.fixture(scope="module")
def ningxia_cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cases-64")
    generate(out, SynthOptions(first="2024Q3", last="2024Q3", provinces=("64",), scale=0.3))
    return out


@pytest.fixture
def national_scheme(db) -> SchemeVersion:
    load_units(rows=reference_rows(PROVINCES), actor=None, reason="fixture")
    load_shipped_schemes()
    return latest_scheme_version("core-business")


@pytest.fixture
def national_runs(national_scheme, two_province_cases, published) -> dict[str, EvaluationRun]:
    """Both quarters over two provinces, published (leaders see them)."""
    return {
        p: published(
            run_service(
                scheme_version=national_scheme, period=p, source=two_province_cases, actor=None
            )
        )
        for p in ("2024Q3", "2024Q4")
    }


def league(client: Client, run: EvaluationRun, **params: str):
    return client.get(reverse("evaluation:run", args=[run.pk]), params)


def scored(run: EvaluationRun, prefix: str = "") -> dict[str, tuple[str, float | None, int]]:
    """code -> (province path, overall score, stored rank_all) of the run's placed units."""
    results = run.results.filter(level="whole").exclude(unit_path="")
    return {
        code: (path[:7], score, rank)
        for code, path, score, rank in results.values_list(
            "unit_code", "unit_path", "score", "rank_all"
        )
        if path.startswith(prefix)
    }


def reference_rank(score: float | None, scores: list[float | None]) -> int | None:
    """The "min" rule by hand: 1 + how many scored higher."""
    if score is None:
        return None
    return 1 + sum(1 for s in scores if s is not None and s > score)


def test_a_run_over_two_provinces_is_national_and_a_one_province_run_is_not(
    national_runs, national_scheme, ningxia_cases
) -> None:
    ningxia = run_service(
        scheme_version=national_scheme, period="2024Q3", source=ningxia_cases, actor=None
    )
    assert run_provinces(national_runs["2024Q4"]) == {"630000/", "640000/"}
    assert is_national(national_runs["2024Q4"])
    assert run_provinces(ningxia) == {"640000/"}
    assert not is_national(ningxia)


def test_the_previous_run_covers_the_same_provinces(
    national_runs, national_scheme, ningxia_cases, published
) -> None:
    # Published after the national 2024Q3 run, so it would be "the latest" of the period.
    published(
        run_service(
            scheme_version=national_scheme, period="2024Q3", source=ningxia_cases, actor=None
        )
    )
    assert previous_run(national_runs["2024Q4"]) == national_runs["2024Q3"]


def test_the_national_admin_sees_every_unit_ranked_in_city_province_and_nation(
    national_runs, member
) -> None:
    run = national_runs["2024Q4"]
    response = league(member(Role.PROVINCE_ADMIN, "000000"), run)
    assert response.status_code == 200
    rows = {r.code: r for r in response.context["league"].rows}
    truth = scored(run)
    assert set(rows) == set(truth)
    assert {path for path, _, _ in truth.values()} == {"630000/", "640000/"}
    html = response.content.decode()
    assert "Rank in nation" in html or "全国排名" in html
    for code, (path, score, rank_all) in truth.items():
        in_province = [s for p, s, _ in truth.values() if p == path]
        assert rows[code].rank_nation == rank_all
        assert rows[code].rank_nation == reference_rank(score, [s for _, s, _ in truth.values()])
        assert rows[code].rank_province == reference_rank(score, in_province)
    # Both provinces have a first place, and only one unit is first in the nation.
    assert sum(1 for r in rows.values() if r.rank_province == 1) >= 2
    assert sum(1 for r in rows.values() if r.rank_nation == 1) == 1


def test_a_province_admin_sees_only_their_province_of_a_national_run(national_runs, member) -> None:
    run = national_runs["2024Q4"]
    rows = league(member(Role.PROVINCE_ADMIN, "640000"), run).context["league"].rows
    assert {r.code for r in rows} == set(scored(run, "640000/"))
    ranks = sorted(r.rank_province for r in rows if r.rank_province is not None)
    assert ranks[0] == 1
    assert ranks[-1] <= len(rows)
    assert all(r.rank_nation is not None for r in rows if r.score is not None)


def test_the_national_table_filters_by_province_and_answers_404_outside_the_scope(
    national_runs, member
) -> None:
    run = national_runs["2024Q4"]
    national = member(Role.PROVINCE_ADMIN, "000000")
    rows = league(national, run, city="640000").context["league"].rows
    assert {r.code for r in rows} == set(scored(run, "640000/"))
    ningxia = member(Role.PROVINCE_ADMIN, "640000")
    assert league(ningxia, run, city="630000").status_code == 404
    qinghai_unit = next(iter(scored(run, "630000/")))
    profile = reverse("evaluation:unit-profile", args=[run.pk, qinghai_unit])
    assert ningxia.get(profile).status_code == 404
    assert national.get(profile).status_code == 200


def test_the_national_filter_lists_provinces_with_their_cities(national_runs, member) -> None:
    response = league(member(Role.PROVINCE_ADMIN, "000000"), national_runs["2024Q4"])
    groups = response.context["league"].provinces
    assert [p.code for p, _ in groups] == ["630000", "640000"]
    ningxia_cities = Unit.objects.filter(path__startswith="640000/", level=Level.CITY)
    assert {c.code for c in groups[1][1]} == set(ningxia_cities.values_list("code", flat=True))
    assert '<optgroup label="宁夏回族自治区人民检察院">' in response.content.decode()


def test_a_national_leader_sees_no_ranks_as_the_scheme_says(national_runs, member) -> None:
    response = league(member(Role.LEADER, "000000"), national_runs["2024Q4"])
    rows = response.context["league"].rows
    assert rows
    assert all(r.rank_province is None and r.rank_nation is None for r in rows)
    assert all(r.rank_all is None and r.rank_peer is None for r in rows)
    html = response.content.decode()
    assert "Rank in nation" not in html
    assert "全国排名" not in html


def test_the_national_csv_has_the_rank_in_nation(national_runs, member) -> None:
    run = national_runs["2024Q4"]
    response = league(member(Role.PROVINCE_ADMIN, "000000"), run, format="csv")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = table[0], table[1:]
    nation = next(i for i, h in enumerate(header) if h in ("Rank in nation", "全国排名"))
    truth = scored(run)
    assert len(body) == len(truth)
    for line in body:
        assert int(line[nation] or 0) == (truth[line[0]][2] or 0)


def test_a_province_run_shows_no_rank_in_nation(runs, member: Callable[..., Client]) -> None:
    response = league(member(Role.PROVINCE_ADMIN, "370000"), runs["2024Q4"])
    league_ = response.context["league"]
    assert not league_.national
    assert all(r.rank_province == r.rank_all and r.rank_nation is None for r in league_.rows)
    assert not re.search("Rank in nation|全国排名", response.content.decode())


def test_names_from_uploaded_files_are_escaped_in_the_rows(national_runs, member) -> None:
    run = national_runs["2024Q4"]
    code = next(iter(scored(run, "640000/")))
    Unit.objects.filter(code=code).update(name_zh='<b onclick="x">坏名</b>')
    html = league(member(Role.PROVINCE_ADMIN, "000000"), run).content.decode()
    assert "&lt;b onclick=&quot;x&quot;&gt;坏名&lt;/b&gt;" in html
    assert '<b onclick="x">' not in html


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [(72.25, 1, "72.3"), (72.24, 1, "72.2"), (-0.04, 1, "0.0"), (-1.25, 1, "-1.3"),
     (3.5, 0, "4"), (12.0, 0, "12"), (None, 1, "—")],
)  # fmt: skip
def test_row_numbers_are_formatted_as_floatformat_formats_them(value, places, shown) -> None:
    from django.template.defaultfilters import floatformat

    from grassroots.evaluation.templatetags.league_rows import fixed

    assert fixed(value, places) == shown
    if value is not None:
        assert fixed(value, places) == str(floatformat(value, places))


def test_the_profile_of_a_national_run_calls_its_overall_rank_national(
    national_runs, runs, member
) -> None:
    client = member(Role.PROVINCE_ADMIN, "000000")
    run = national_runs["2024Q4"]
    code, (_, _, rank_all) = next(
        (c, t) for c, t in sorted(scored(run).items()) if t[2] is not None
    )
    html = client.get(reverse("evaluation:unit-profile", args=[run.pk, code])).content.decode()
    assert re.search(f"全国第 {rank_all} 名|{rank_all} in the nation", html)
    assert not re.search("全省第 [0-9]+ 名|in province", html)

    province_run = runs["2024Q4"]
    code = next(c for c, t in sorted(scored(province_run).items()) if t[2] is not None)
    html = client.get(reverse("evaluation:unit-profile", args=[province_run.pk, code]))
    assert re.search("全省第 [0-9]+ 名|in province", html.content.decode())


@pytest.mark.parametrize(
    ("rank_change", "score_change", "rank_shown", "score_shown"),
    [
        (-2, -1.54, "↓</span> 2 places</td>", ">-1.5</td>"),
        (3, 0.5, "↑</span> 3 places</td>", ">+0.5</td>"),
        (1, 0.04, "↑</span> 1 place</td>", ">unchanged</td>"),  # no sign on what rounds to 0
        (None, 0.0, ">—</td>", ">unchanged</td>"),
    ],
)
def test_the_change_cells_give_the_direction_once(
    rank_change, score_change, rank_shown, score_shown
) -> None:
    """The rank's change carries the arrow, the score's its sign: each direction said once."""
    from types import SimpleNamespace

    from grassroots.evaluation.templatetags.league_rows import _rank_change, _score_change

    row = SimpleNamespace(rank_change=rank_change, score_change=score_change)
    labels = ("CODE place", "CODE places")
    assert _rank_change(row, labels, "unchanged").endswith(rank_shown)  # type: ignore[arg-type]
    assert _score_change(row, "unchanged").endswith(score_shown)  # type: ignore[arg-type]
