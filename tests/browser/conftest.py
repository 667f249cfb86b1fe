"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's sync API.

No browser is ever downloaded. Without /usr/bin/chromium the browser tests fail in CI (CI=true)
and are skipped elsewhere, with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units

# Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# GRASSROOTS_CHROMIUM points elsewhere only to try the missing-browser path.
CHROMIUM = Path(os.environ.get("GRASSROOTS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PASSWORD = "pw-for-browser-tests"


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: install Debian's chromium (scripts/system-deps.sh)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def city_reviewer(transactional_db, small_province_rows) -> tuple[str, str]:
    """Loads the small province; the username and password of Jinan's reviewer."""
    load_units(rows=small_province_rows, actor=None, reason="browser fixture")
    user = get_user_model().objects.create_user(username="reviewer", password=PASSWORD)
    add_member(user=user, unit=Unit.objects.get(code="370100"), role=Role.CITY_REVIEWER, actor=None)
    return "reviewer", PASSWORD
