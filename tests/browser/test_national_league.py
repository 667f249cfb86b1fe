"""A national administrator reads the national league table and the national unit tree, in
Chinese and in English; screenshots saved. Two small provinces (Qinghai, Ningxia) stand in for
the nation."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from grassroots.engine.synth.generator import SynthOptions, generate
from grassroots.evaluation.runs import run_evaluation
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import reference_rows

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-browser-tests"
PROVINCES = ("63", "64")


@pytest.fixture
def national_run(transactional_db, tmp_path: Path) -> int:
    cases = tmp_path / "cases"
    generate(cases, SynthOptions(first="2024Q3", last="2024Q4", provinces=PROVINCES, scale=0.3))
    load_units(rows=reference_rows(PROVINCES), actor=None, reason="browser fixture")
    load_shipped_schemes()
    scheme = latest_scheme_version("core-business")
    run_evaluation(scheme_version=scheme, period="2024Q3", source=cases, actor=None)
    run = run_evaluation(
        scheme_version=scheme, period="2024Q4", source=cases, actor=None, sensitivity=50, seed=1
    )
    user = get_user_model().objects.create_user(username="national", password=PASSWORD)
    add_member(
        user=user, unit=Unit.objects.get(code="000000"), role=Role.PROVINCE_ADMIN, actor=None
    )
    return int(run.pk)


def _login(page, live_server, language: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("combobox").select_option(language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.locator("#id_username").fill("national")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_national_admin_reads_the_national_table_and_tree(
    live_server, page, national_run, screenshots, language
) -> None:
    _login(page, live_server, language)
    tree = page.locator("#unit-tree")
    assert tree.locator("li[data-unit='000000']").count() == 1
    assert tree.locator("li[data-unit='000000'] li[data-unit='640000']").count() == 1
    page.screenshot(path=screenshots / f"national-home-{language}.png", full_page=False)

    page.goto(f"{live_server.url}/evaluation/runs/{national_run}/")
    headers = page.locator("#league thead th").all_inner_texts()
    wanted = ["全国排名", "全省排名"] if language == "zh-hans" else ["Rank in nation"]
    assert all(any(w in h for h in headers) for w in wanted), headers
    if language == "zh-hans":
        assert not any("Rank in" in h for h in headers), headers
    rows = page.locator("#league tbody tr")
    assert rows.count() > 60  # every grassroots unit of both provinces
    assert page.locator("#f-city optgroup").count() == 2
    page.screenshot(path=screenshots / f"national-league-{language}.png", full_page=False)

    # Filter to Ningxia with the keyboard: only its units remain.
    page.locator("#f-city").select_option("640000")
    page.locator(".league-filters button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**city=640000**")
    codes = page.locator("#league tbody tr td:first-child").all_inner_texts()
    assert codes
    assert all(c.startswith("64") for c in codes)
