"""Issue 12.5 in the browser: a city reviewer asks for the quarterly bulletin on the reports
page; the request is queued, the background worker makes it (here the test calls the worker's
hook, `evaluation.background.run_jobs`, as `grassroots runs work` does) while the page polls its
progress, then the page offers the download; the file is the stored document (same SHA-256)
and a real PDF."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from grassroots.engine.synth.generator import SynthOptions, generate
from grassroots.evaluation import background
from grassroots.evaluation.publication import publish_run
from grassroots.evaluation.runs import run_evaluation
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.organisations.models import Role
from grassroots.reports.models import Document, DocumentJob

pytestmark = pytest.mark.browser
PERIOD = "2024Q4"


@pytest.fixture
def published_quarter(city_reviewer, tmp_path: Path, settings, new_user_browser) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    cases = tmp_path / "cases"
    generate(cases, SynthOptions(first=PERIOD, last=PERIOD, provinces=("37",), scale=0.2))
    load_shipped_schemes()
    run = run_evaluation(
        scheme_version=latest_scheme_version("core-business"),
        period=PERIOD,
        source=cases,
        actor=None,
        sensitivity=0,
    )
    publish_run(run=run, actor=new_user_browser(Role.PROVINCE_ADMIN, "370000"))


@pytest.fixture
def new_user_browser(transactional_db):
    from django.contrib.auth import get_user_model

    from grassroots.organisations.models import Unit
    from grassroots.organisations.services import add_member

    def make(role: Role, code: str):
        user = get_user_model().objects.create_user(username=f"{role}-{code}", password="x")
        add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
        return user

    return make


def test_a_reviewer_generates_and_downloads_the_bulletin(
    page, live_server, city_reviewer, published_quarter, tmp_path, screenshots
) -> None:
    username, password = city_reviewer
    url = live_server.url
    page.goto(f"{url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{url}/")
    page.locator(".main-nav summary", has_text="评价与数据").click()  # the menu opens
    page.get_by_role("link", name="文书").click()
    page.wait_for_url(f"{url}/reports/")
    page.locator("#id_scope").select_option("370100")
    page.locator("#id_period").fill(PERIOD)
    page.locator("#id_format").select_option("pdf")
    page.locator("#generate-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/reports/#job-\d+$"), timeout=30_000)
    job = DocumentJob.objects.get()
    panel = page.locator(f"#job-{job.pk}")
    assert panel.get_attribute("data-status") == "queued"
    assert "等待后台任务" in panel.inner_text()
    page.screenshot(path=str(screenshots / "reports-queued.png"), full_page=True)
    assert not Document.objects.filter(generated_by__isnull=False).exists()  # none made yet

    assert background.run_jobs()["reports-documents"] == 1  # the worker's round
    job.refresh_from_db()
    document = job.document  # (the worker also made the draft bulletin publishing queued)
    assert document is not None, job.error
    # The page polls the job, sees it done and reloads: the download link, and the history.
    link = page.locator(f"#job-{job.pk} a[href='/reports/documents/{document.pk}/']")
    link.wait_for(timeout=30_000)
    assert page.locator(f"#job-{job.pk}").get_attribute("data-status") == "done"
    history = page.locator(f"table a[href='/reports/documents/{document.pk}/']")
    assert history.is_visible()
    page.screenshot(path=str(screenshots / "reports-done.png"), full_page=True)
    with page.expect_download() as download:
        link.click()
    target = tmp_path / "downloaded.pdf"
    download.value.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == document.sha256
    assert download.value.suggested_filename == "370100-2024Q4-bulletin.pdf"
