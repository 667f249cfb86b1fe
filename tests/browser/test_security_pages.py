"""Issue 19.5-7 pages in a real browser, both languages: a scheme and a catalogue say whose
version they are, a failed run offers a retry, the reporting page offers exports only to roles
that may export, and an unreadable upload is a page in the user's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from grassroots.evaluation.models import EvaluationRun
from grassroots.evaluation.runs import RUN_LEASE, claim_next_run, fail_orphaned_runs, queue_run
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units

PASSWORD = "pw-for-browser-tests"
WORDS = {
    "zh-hans": {
        "national": "这是全国默认版本",
        "retry": "重试此运行",
        "bad": "无法读取上传内容",
        "export": "导出",
    },
    "en": {
        "national": "This is the national default",
        "retry": "Retry this run",
        "bad": "The upload could not be read",
        "export": "Export",
    },
}


@pytest.fixture
def world(transactional_db, small_province_rows, tmp_path, settings) -> dict[str, int]:
    settings.DATA_DIR = tmp_path
    load_units(rows=small_province_rows, actor=None, reason="browser fixture")
    load_shipped_schemes()
    for name, role, code in [
        ("admin", Role.PROVINCE_ADMIN, "370000"),
        ("clerk", Role.GRASSROOTS_CLERK, "370102"),
    ]:
        user = get_user_model().objects.create_user(username=name, password=PASSWORD)
        add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "persons.parquet").write_bytes(b"PAR1")
    run = queue_run(
        scheme_version=latest_scheme_version("core-business"),
        period="2024Q4",
        source=folder,
        actor=None,
        sensitivity=0,
        scope=Unit.objects.get(code="370000"),
    )
    claim_next_run()
    long_ago = timezone.now() - RUN_LEASE - dt.timedelta(minutes=1)
    EvaluationRun.objects.filter(pk=run.pk).update(heartbeat_at=long_ago)
    fail_orphaned_runs()
    return {"run": run.pk}


def _login(page, live_server, user: str, language: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("combobox").select_option(language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.locator("#id_username").fill(user)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_security_pages_in_each_language(
    live_server, page, world, screenshots, language
) -> None:
    words = WORDS[language]
    _login(page, live_server, "admin", language)

    page.goto(f"{live_server.url}/evaluation/schemes/core-business/")
    assert words["national"] in page.content()
    page.screenshot(path=screenshots / f"security-scheme-{language}.png", full_page=True)

    page.goto(f"{live_server.url}/intake/catalogues/spp-case-quality/")
    assert words["national"] in page.content()
    page.screenshot(path=screenshots / f"security-catalogue-{language}.png", full_page=True)

    page.goto(f"{live_server.url}/evaluation/runs/{world['run']}/")
    page.get_by_role("button", name=words["retry"]).click()
    page.wait_for_url(f"{live_server.url}/evaluation/runs/{world['run'] + 1}/")
    page.screenshot(path=screenshots / f"security-run-retried-{language}.png", full_page=True)
    page.goto(f"{live_server.url}/evaluation/runs/{world['run']}/")
    page.screenshot(path=screenshots / f"security-run-failed-{language}.png", full_page=True)

    page.goto(f"{live_server.url}/intake/reporting/?period=2024Q4")
    assert page.locator("a[href*='format=csv']").count() == 1
    page.screenshot(path=screenshots / f"security-reporting-admin-{language}.png", full_page=True)

    # An upload the server cannot read, sent as a browser would send a broken form.
    page.goto(f"{live_server.url}/intake/figures/upload/")
    html = page.evaluate(
        """async () => {
            const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
            const r = await fetch("/intake/figures/upload/", {method: "POST",
                headers: {"Content-Type": "multipart/form-data", "X-CSRFToken": token},
                body: "--x\\r\\nabc"});
            return [r.status, await r.text()];
        }"""
    )
    assert html[0] == 400
    page.set_content(html[1].replace("<head>", f'<head><base href="{live_server.url}/">', 1))
    assert words["bad"] in page.content()
    page.screenshot(path=screenshots / f"security-bad-upload-{language}.png", full_page=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_clerk_is_offered_no_export(live_server, page, world, screenshots, language) -> None:
    _login(page, live_server, "clerk", language)
    page.goto(f"{live_server.url}/intake/reporting/?period=2024Q4")
    assert page.locator("a[href*='format=csv']").count() == 0
    page.screenshot(path=screenshots / f"security-reporting-clerk-{language}.png", full_page=True)
