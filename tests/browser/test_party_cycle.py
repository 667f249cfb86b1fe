"""A quarter of party and business work in a browser (issue 15): tasks generated from the plan,
done with evidence by their owners, scored by the reviewer, the monthly and quarterly reports
produced, Lixia turning yellow and the warning reaching its secretary; every party page in
Chinese and English (screenshots into /work/shots/party)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grassroots.party.models import PartyReport, Task
from tests.party.world import PASSWORD, SCORES, build_world

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("GRASSROOTS_PARTY_SHOTS", "/work/shots/party"))


@pytest.fixture
def shots(screenshots) -> Path:
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
    except OSError:
        return screenshots
    return SHOTS


@pytest.fixture
def party_world(transactional_db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    from grassroots.organisations.services import load_units
    from tests.conftest import TINY_PROVINCE

    load_units(rows=TINY_PROVINCE, actor=None, reason="browser fixture")
    return build_world()


def login(page, live_server, username: str, language: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("combobox").select_option(language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def session(browser, live_server, username: str, language: str = "zh-hans"):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, username, language)
    return context, page


def test_a_quarter_cycle_turns_lixia_yellow_and_warns_its_secretary(
    live_server, browser, party_world, shots, tmp_path
) -> None:
    from decimal import Decimal

    from grassroots.party import services
    from tests.party.world import PDF

    w = party_world
    url = live_server.url
    # The committee generates Lixia's first quarter from the plan.
    context, page = session(browser, live_server, "lixia-committee")
    page.goto(f"{url}/party/units/370102/plans/")
    page.locator("#generate input[name=start]").fill("2024-01-01")
    page.locator("#generate input[name=end]").fill("2024-03-31")
    page.locator("#generate button[type=submit]").click()
    assert "已按计划生成6项任务" in page.locator("body").inner_text()
    page.screenshot(path=shots / "plans-zh-hans.png", full_page=True)
    context.close()
    assert Task.objects.filter(unit__code="370102").count() == 6
    # The other units' quarters are done through the services.
    for code in ("370103", "370104", "370202"):
        unit = w["units"][code]
        for task in services.generate_tasks(unit=unit, start=__import__("datetime").date(2024, 1, 1),
                                            end=__import__("datetime").date(2024, 3, 31), actor=w["admin"]):  # fmt: skip
            task.status, task.score = "scored", Decimal(SCORES[code])
            task.save()
    # Each owner does their tasks with evidence, in the browser.
    evidence = tmp_path / "支部学习记录.pdf"
    evidence.write_bytes(PDF)
    for owner in ("lixia-branch", "lixia-prosecutor"):
        context, page = session(browser, live_server, owner)
        for pk in Task.objects.filter(owner__user__username=owner).values_list("pk", flat=True):
            page.goto(f"{url}/party/tasks/{pk}/")
            page.locator("textarea[name=report]").fill("已按计划完成")
            page.locator("input[name=evidence]").set_input_files(str(evidence))
            page.get_by_role("button", name="完成").click()
            assert "已完成，待评分" in page.locator("#status").inner_text()
        if owner == "lixia-branch":
            page.screenshot(path=shots / "task-done-zh-hans.png", full_page=True)
        context.close()
    # The reviewer (the chief) scores them 6 of 10.
    context, page = session(browser, live_server, "lixia-chief")
    for pk in Task.objects.filter(unit__code="370102").values_list("pk", flat=True):
        page.goto(f"{url}/party/tasks/{pk}/")
        page.locator("input[name=score]").fill("6")
        page.get_by_role("button", name="记录评分").click()
        assert "已评分" in page.locator("#status").inner_text()
    context.close()
    # The province produces the three months and the quarter.
    context, page = session(browser, live_server, "party-admin")
    named = {"2024-01": "2024年1月", "2024-02": "2024年2月", "2024-03": "2024年3月",
             "2024Q1": "2024年第一季度"}  # fmt: skip
    for period, name in named.items():
        page.goto(f"{url}/party/")
        page.locator("form[action$='/produce/'] select[name=period]").select_option(period)
        page.get_by_role("button", name="生成报告").click()
        assert f"{name}报告已生成" in page.locator("body").inner_text()
    page.goto(f"{url}/party/?period=2024Q1")
    league = page.locator("#league").inner_text()
    assert "历下区" in league
    assert "黄" in league
    page.screenshot(path=shots / "index-league-zh-hans.png", full_page=True)
    context.close()
    report = PartyReport.objects.get(unit__code="370102", subject="unit", period="2024Q1")
    assert (report.rank, report.colour) == (3, "yellow")
    # The warning reaches Lixia's secretary.
    context, page = session(browser, live_server, "lixia-chief")
    page.goto(f"{url}/party/")
    warnings = page.locator("section[aria-labelledby=warnings-heading]").inner_text()
    assert "历下区" in warnings
    assert "黄" in warnings
    assert "2024年第一季度" in warnings  # named as the rest of the app names periods
    page.goto(f"{url}/party/units/370102/")
    standing = page.locator("#standing").inner_text()
    assert "黄" in standing
    assert "第3名" not in standing
    context.close()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_party_page_renders_in_each_language(
    live_server, browser, party_world, shots, language
) -> None:
    from tests.party.test_cycle import run_quarter

    w = party_world
    run_quarter(w, lixia_score=6)
    task = Task.objects.filter(unit__code="370102", owner=w["people"]["370102"]["branch"]).first()
    assert task is not None
    pages = {
        "party-admin": {
            "index": "/party/?period=2024Q1", "display": "/party/units/370102/",
            "orgs": "/party/units/370102/orgs/", "plans": "/party/units/370102/plans/",
            "subjects": "/party/units/370102/reports/2024Q1/", "scheme": "/party/scheme/",
        },
        "lixia-branch": {"task": f"/party/tasks/{task.pk}/", "my-index": "/party/"},
        "lixia-chief": {"secretary-display": "/party/units/370102/"},
    }  # fmt: skip
    errors: list[str] = []
    for username, urls in pages.items():
        context, page = session(browser, live_server, username, language)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        for name, path in urls.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None, path
            assert response.status == 200, path
            if name.endswith("display"):
                page.wait_for_timeout(600)  # the chart draws
            if language == "zh-hans":
                body = page.locator("main").inner_text()
                for english in ("Open tasks", "Standing", "Party organisations", "Score"):
                    assert english not in body, (path, english)
            page.screenshot(path=shots / f"{name}-{language}.png", full_page=True)
        context.close()
    assert errors == []
