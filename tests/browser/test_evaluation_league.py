"""The province administrator reads the league table of the generated Shandong province,
filters it by city and colour with the keyboard, and downloads it; screenshots saved."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client

from grassroots.engine.synth.generator import SynthOptions, generate
from grassroots.evaluation.runs import run_evaluation
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import reference_rows

pytestmark = pytest.mark.browser


@pytest.fixture
def evaluated(transactional_db, tmp_path: Path, published) -> int:
    cases = tmp_path / "cases"
    generate(cases, SynthOptions(first="2024Q3", last="2024Q4", provinces=("37",), scale=0.3))
    load_units(rows=reference_rows(["37"]), actor=None, reason="browser fixture")
    load_shipped_schemes()
    scheme = latest_scheme_version("core-business")
    published(run_evaluation(scheme_version=scheme, period="2024Q3", source=cases, actor=None))
    run = run_evaluation(
        scheme_version=scheme, period="2024Q4", source=cases, actor=None, sensitivity=50, seed=1
    )
    return int(published(run).pk)  # leaders read published runs only (issue 11.2)


def _login_as(page, live_server, role: Role, code: str) -> None:
    user = get_user_model().objects.create_user(username=f"{role}-{code}", password="x-pw-123456")
    add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def test_province_admin_reads_and_filters_the_league_table(
    live_server, page, evaluated, screenshots
) -> None:
    _login_as(page, live_server, Role.PROVINCE_ADMIN, "370000")
    page.goto(f"{live_server.url}/evaluation/")
    page.screenshot(path=screenshots / "evaluation-runs.png", full_page=True)
    page.locator(f"a[href='/evaluation/runs/{evaluated}/']").first.click()
    page.wait_for_url(f"{live_server.url}/evaluation/runs/{evaluated}/")
    rows = page.locator("#league tbody tr")
    assert rows.count() > 100
    # Every colour is shown with a shape beside it, never by hue alone.
    assert page.locator("#league .colour .mark").count() == rows.count()
    page.screenshot(path=screenshots / "evaluation-league.png", full_page=False)

    # Issue 18.5: the header row stays in view while the table scrolls under it.
    wrap = page.locator(".table-wrap").first
    wrap.evaluate("el => { el.scrollTop = 1500; }")
    assert (
        abs(page.locator("#league thead th").first.bounding_box()["y"] - wrap.bounding_box()["y"])
        < 3
    )
    # The score header reverses the order on each click and says so with aria-sort.
    score = page.locator("#league thead th:has(a[href*='sort=score'])")
    assert score.get_attribute("aria-sort") == "descending"
    for expected in ("ascending", "descending"):
        score.locator("a").click()
        page.wait_for_url("**order=" + {"ascending": "asc", "descending": "desc"}[expected] + "**")
        assert score.get_attribute("aria-sort") == expected
    # On paper: no filters or buttons, the scope, period and date, A4 landscape.
    page.emulate_media(media="print")
    assert page.locator(".league-filters").is_hidden()
    assert page.locator(".print-meta").is_visible()
    pdf = page.pdf(prefer_css_page_size=True)
    width, height = (
        float(n) for n in re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)", pdf).groups()
    )
    assert width > height  # landscape
    (screenshots / "evaluation-league-print.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")

    # Pick Jinan and red, then submit with the keyboard.
    page.locator("#f-city").select_option("370100")
    page.locator("#f-colour").select_option("red")
    page.locator(".league-filters button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**city=370100**")
    cities = page.locator("#league tbody tr td:nth-child(3)").all_inner_texts()
    marks = page.locator("#league .colour").all_inner_texts()
    assert cities
    assert len(set(cities)) == 1
    assert all("■" in m for m in marks)
    page.screenshot(path=screenshots / "evaluation-league-filtered.png", full_page=True)


def test_a_leader_sees_colours_but_no_rank_columns(
    live_server, page, evaluated, screenshots
) -> None:
    _login_as(page, live_server, Role.LEADER, "370000")
    page.goto(f"{live_server.url}/evaluation/runs/{evaluated}/")
    headers = page.locator("#league thead th").all_inner_texts()
    assert len(headers) == 6  # code, unit, city, score, colour, change: no rank columns
    assert page.locator("#league .colour .mark").count() > 100
    page.screenshot(path=screenshots / "evaluation-league-leader.png")


def test_league_table_to_heatmap_to_unit_profile(live_server, page, evaluated, screenshots) -> None:
    _login_as(page, live_server, Role.PROVINCE_ADMIN, "370000")
    page.goto(f"{live_server.url}/evaluation/runs/{evaluated}/")
    page.locator(f"a[href='/evaluation/runs/{evaluated}/heatmap/']").click()
    page.wait_for_url(f"**/runs/{evaluated}/heatmap/")
    page.locator("#heatmap canvas").first.wait_for()
    assert page.locator("#heat-table th.group").count() == 3  # one column group per aspect
    page.screenshot(path=screenshots / "evaluation-heatmap.png")

    # Clicking a heatmap cell opens that unit's profile.
    box = page.locator("#heatmap").bounding_box()
    page.mouse.click(box["x"] + 170, box["y"] + 140)  # the first cell: the axis is on top
    page.wait_for_url(f"**/runs/{evaluated}/units/**")
    page.locator(".chart canvas").first.wait_for()
    assert page.locator(".chart canvas").count() >= 3  # radar, waterfall, trends
    assert page.locator("#indicators tbody tr").count() >= 5
    page.screenshot(path=screenshots / "evaluation-unit-profile.png", full_page=True)
