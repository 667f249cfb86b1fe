"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's sync API.

No browser is ever downloaded. Without /usr/bin/chromium the browser tests fail in CI (CI=true)
and are skipped elsewhere, with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import UnitRow

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

ROWS = [
    UnitRow(
        "370000", "山东省人民检察院", "province", None, name_en="Shandong Provincial Procuratorate"
    ),
    UnitRow(
        "370100", "济南市人民检察院", "city", "370000", name_en="Jinan Municipal Procuratorate"
    ),
    UnitRow(
        "370102",
        "历下区人民检察院",
        "grassroots",
        "370100",
        name_en="Lixia District Procuratorate",
        peer_group="370100",
        headcount=61,
        procurators=23,
        under_45_share=Decimal("48.5"),
    ),
    UnitRow(
        "370103",
        "市中区人民检察院",
        "grassroots",
        "370100",
        name_en="Shizhong District Procuratorate",
    ),
    UnitRow(
        "370200", "青岛市人民检察院", "city", "370000", name_en="Qingdao Municipal Procuratorate"
    ),
    UnitRow(
        "370202",
        "市南区人民检察院",
        "grassroots",
        "370200",
        name_en="Shinan District Procuratorate",
    ),
]


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
def city_reviewer(transactional_db) -> tuple[str, str]:
    """Loads the small province; the username and password of Jinan's reviewer."""
    load_units(rows=ROWS, actor=None, reason="browser fixture")
    user = get_user_model().objects.create_user(username="reviewer", password=PASSWORD)
    add_member(user=user, unit=Unit.objects.get(code="370100"), role=Role.CITY_REVIEWER, actor=None)
    return "reviewer", PASSWORD
