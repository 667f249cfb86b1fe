from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from grassroots.evaluation.models import EvaluationRun, RunStatus
from grassroots.organisations.models import Level, Role, Unit


def league(client: Client, run: EvaluationRun, **params: str):
    return client.get(reverse("evaluation:run", args=[run.pk]), params)


def unit_codes(html: str) -> set[str]:
    return set(re.findall(r"<td>(37\w{4})</td>", html))


def grassroots_under(path: str) -> set[str]:
    return set(
        Unit.objects.filter(path__startswith=path, level=Level.GRASSROOTS).values_list(
            "code", flat=True
        )
    )


def scored(run: EvaluationRun) -> set[str]:
    # Units the data holds but the unit list does not (the generator's 37T railway units) have
    # no place in the hierarchy, so no one's scope contains them.
    results = run.results.filter(level="whole").exclude(unit_path="")
    return set(results.values_list("unit_code", flat=True))


def test_the_province_admin_sees_every_unit_with_ranks_and_colours(runs, member) -> None:
    run = runs["2024Q4"]
    html = league(member(Role.PROVINCE_ADMIN, "370000"), run).content.decode()
    assert unit_codes(html) == scored(run)
    assert "Rank in province" in html or "全省排名" in html
    assert 'class="colour colour-' in html


def test_a_city_reviewer_sees_only_their_city(runs, member) -> None:
    run = runs["2024Q4"]
    html = league(member(Role.CITY_REVIEWER, "370100"), run).content.decode()
    codes = unit_codes(html)
    assert codes == scored(run) & grassroots_under("370000/370100/")
    assert codes
    assert all(c.startswith("3701") for c in codes)


def test_a_city_filter_outside_the_scope_answers_404(runs, member) -> None:
    client = member(Role.CITY_REVIEWER, "370100")
    assert league(client, runs["2024Q4"], city="370200").status_code == 404


def test_a_leader_sees_colours_but_no_ranks(runs, member) -> None:
    response = league(member(Role.LEADER, "370000"), runs["2024Q4"])
    html = response.content.decode()
    assert response.context["league"].visible.ranks is False
    assert all(r.rank_all is None and r.rank_q05 is None for r in response.context["league"].rows)
    assert 'class="colour colour-' in html
    assert "Rank in province" not in html
    assert "全省排名" not in html


def test_an_auditor_sees_neither_ranks_nor_colours(runs, member) -> None:
    response = league(member(Role.AUDITOR, "370000"), runs["2024Q4"])
    rows = response.context["league"].rows
    assert rows
    assert all(r.colour == "" and r.rank_peer is None for r in rows)
    assert 'class="colour colour-' not in response.content.decode()


def test_sorting_by_a_hidden_rank_does_not_reveal_it(runs, member) -> None:
    response = league(member(Role.AUDITOR, "370000"), runs["2024Q4"], sort="rank")
    codes = [r.code for r in response.context["league"].rows]
    assert codes == sorted(codes)  # unit-code order: a score order would be the ranking


def test_a_grassroots_clerk_sees_only_their_own_unit(runs, member) -> None:
    code = sorted(scored(runs["2024Q4"]))[0]
    response = league(member(Role.GRASSROOTS_CLERK, code), runs["2024Q4"])
    assert unit_codes(response.content.decode()) == {code}
    assert response.context["league"].visible.colours is False


def test_a_user_without_a_unit_gets_404_everywhere(runs) -> None:
    user = get_user_model().objects.create_user(username="nobody", password="x-for-tests")
    client = Client()
    client.force_login(user)
    run = runs["2024Q4"]
    assert client.get(reverse("evaluation:index")).status_code == 404
    assert league(client, run).status_code == 404
    assert client.get(reverse("evaluation:run-progress", args=[run.pk])).status_code == 404


def test_an_unknown_run_answers_404(runs, member) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    assert client.get(reverse("evaluation:run", args=[999999])).status_code == 404


def test_filters_by_colour_and_aspect(runs, member) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    red = league(client, runs["2024Q4"], colour="red").context["league"]
    assert red.rows
    assert {r.colour for r in red.rows} == {"red"}
    aspect = league(client, runs["2024Q4"], aspect="quality").context["league"]
    expected = dict(runs["2024Q4"].results.filter(node="quality").values_list("unit_code", "score"))
    assert aspect.node.code == "quality"
    assert {r.code: r.score for r in aspect.rows} == {
        c: s for c, s in expected.items() if c in {r.code for r in aspect.rows}
    }


def test_the_change_compares_with_the_previous_period(runs, member) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    rows = league(client, runs["2024Q4"]).context["league"].rows
    before = dict(runs["2024Q3"].results.filter(level="whole").values_list("unit_code", "rank_all"))
    row = next(r for r in rows if r.rank_all is not None and before.get(r.code))
    assert row.rank_change == before[row.code] - row.rank_all


def test_the_csv_export_is_scoped_and_hides_ranks_from_leaders(runs, member) -> None:
    response = league(member(Role.LEADER, "370000"), runs["2024Q4"], format="csv")
    text = response.content.decode("utf-8-sig")
    header = text.splitlines()[0]
    assert response["Content-Type"].startswith("text/csv")
    assert "Rank" not in header
    assert "排名" not in header
    assert len(text.splitlines()) == len(scored(runs["2024Q4"])) + 1


def test_a_role_without_exports_cannot_download(runs, member) -> None:
    response = league(member(Role.AUDITOR, "370000"), runs["2024Q4"], format="csv")
    assert response.status_code == 404


def test_starting_a_run_from_the_web_only_queues_it(
    scheme, cases_dir, member, settings, tmp_path
) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "shandong").symlink_to(cases_dir)
    settings.DATA_DIR = tmp_path
    client = member(Role.PROVINCE_ADMIN, "370000")
    page = client.get(reverse("evaluation:index"))
    choices = dict(page.context["form"].fields["source"].choices)
    assert str(cases_dir.resolve()) in choices
    response = client.post(
        reverse("evaluation:index"),
        {
            "scheme": scheme.pk,
            "period": "2024Q4",
            "source": str(cases_dir.resolve()),
            "sensitivity": 0,
            "seed": 1,
        },
    )
    run = EvaluationRun.objects.get()
    assert response.status_code == 302
    assert run.status == RunStatus.QUEUED
    assert run.results.count() == 0
    progress = client.get(reverse("evaluation:run-progress", args=[run.pk]))
    assert b"hx-trigger" in progress.content
    assert "HX-Refresh" not in progress


def test_it_rejects_a_source_outside_the_data_directory(scheme, member, settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    client = member(Role.PROVINCE_ADMIN, "370000")
    response = client.post(
        reverse("evaluation:index"),
        {"scheme": scheme.pk, "period": "2024Q4", "source": "/etc", "sensitivity": 0, "seed": 1},
    )
    assert response.status_code == 200
    assert not EvaluationRun.objects.exists()


def test_a_leader_cannot_start_a_run(scheme, cases_dir, member) -> None:
    client = member(Role.LEADER, "370000")
    response = client.post(
        reverse("evaluation:index"),
        {"scheme": scheme.pk, "period": "2024Q4", "source": str(cases_dir)},
    )
    assert response.status_code == 404
    assert not EvaluationRun.objects.exists()


def test_the_league_lead_names_the_scope_in_the_page_language(runs, member, settings) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    root = Unit.objects.get(code="370000")
    assert root.name_en
    assert root.name_zh
    lead = re.compile(r'<p class="lead">(.*?)</p>', re.S)
    zh = lead.search(league(client, runs["2024Q4"]).content.decode()).group(1)
    assert root.name_zh in zh
    assert escape(root.name_en) not in zh
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = lead.search(league(client, runs["2024Q4"]).content.decode()).group(1)
    assert escape(root.name_en) in en
    assert root.name_zh not in en


@pytest.mark.parametrize(
    ("role", "code"), [(Role.AUDITOR, "370000"), (Role.GRASSROOTS_CLERK, "370102")]
)
def test_a_role_without_exports_gets_no_excel_either(runs, member, role, code) -> None:
    """Issue 19.5: the export permission is checked on every export."""
    client = member(role, code)
    response = client.get(reverse("evaluation:export-xlsx", args=[runs["2024Q4"].pk]))
    assert response.status_code == 404
    assert "Content-Disposition" not in response
