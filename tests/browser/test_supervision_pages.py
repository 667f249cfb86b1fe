"""The supervision pages in a real browser, both languages: no console errors (CSP included),
masked identity numbers, a refused upload naming file, row and column, and screenshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from grassroots.engine.supervision import synth
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member
from grassroots.supervision.demo import install
from grassroots.supervision.models import Lead, Step
from grassroots.supervision.services import advance_lead, run_model_version

pytestmark = pytest.mark.browser


@pytest.fixture
def supervision_world(city_reviewer: Any, tmp_path: Path) -> dict[str, Any]:
    password = "pw-for-browser-tests"
    admin = get_user_model().objects.create_user(username="admin", password=password)
    add_member(
        user=admin, unit=Unit.objects.get(code="370000"), role=Role.PROVINCE_ADMIN, actor=None
    )
    planted = synth.build(seed=16)
    versions = install(
        actor=admin,
        unit=Unit.objects.get(code="370000"),
        planted=planted,
        folder=tmp_path,
        today=dt.date(2025, 1, 10),
    )
    runs = [run_model_version(actor=admin, version=v) for v in versions.values()]
    lead = Lead.objects.filter(model__code="deceased-allowance").order_by("pk").first()
    assert lead is not None
    day = lead.step_since
    for step in (Step.REVIEW, Step.VERIFICATION, Step.FILED, Step.HEARING):
        advance_lead(actor=admin, lead=lead, step=step, on=day, evidence="乡镇走访记录、银行流水")
    advance_lead(actor=admin, lead=lead, step=Step.DOCUMENT, on=day, document="recommendation")
    advance_lead(actor=admin, lead=lead, step=Step.FOLLOW_UP, on=day)
    advance_lead(
        actor=admin,
        lead=lead,
        step=Step.CLOSED,
        on=day,
        note="民政局已追回",
        adopted=True,
        recovered=Decimal("1000.00"),
    )
    clear = {row["id_number"] for rows in planted.rows.values() for row in rows}
    return {"lead": lead, "run": runs[0], "version": versions["custody-pension"], "clear": clear}


SHOTS = Path("/work/shots/supervision")


@pytest.mark.parametrize(
    ("language", "heading"),
    [("zh-hans", "大数据法律监督模型"), ("en", "Big-data legal supervision models")],
)
def test_supervision_pages_render_cleanly_in_each_language(
    live_server: Any,
    page: Any,
    supervision_world: dict[str, Any],
    screenshots: Path,
    language: str,
    heading: str,
    tmp_path: Path,
) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("combobox").select_option(language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("pw-for-browser-tests")
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    world = supervision_world
    version = world["version"]
    dataset = version.model.owner  # noqa: F841 - the datasets page lists the owner's versions
    pages = {
        "index": "/supervision/",
        "datasets": "/supervision/datasets/",
        "model": f"/supervision/models/{version.model.pk}/",
        "model-version": f"/supervision/model-versions/{version.pk}/",
        "run": f"/supervision/runs/{world['run'].pk}/",
        "leads": "/supervision/leads/",
        "lead": f"/supervision/leads/{world['lead'].pk}/",
        "measures": "/supervision/measures/",
    }
    target = SHOTS if SHOTS.parent.exists() else screenshots
    target.mkdir(parents=True, exist_ok=True)
    for name, url in pages.items():
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None
        assert response.status == 200, url
        if name == "index":
            assert page.locator("h1").inner_text() == heading
        body = page.content()
        assert not [n for n in world["clear"] if n in body], url
        page.screenshot(path=target / f"supervision-{name}-{language}.png", full_page=True)
    # A refused upload: every problem located, nothing stored.
    bad = tmp_path / "死亡名单.csv"
    bad.write_bytes(
        "id_number,name,region_code,death_date\n370102194001011234,甲,370102,2024-13-01\n".encode(
            "gb18030"
        )
    )
    page.goto(f"{live_server.url}/supervision/datasets/")
    page.locator("#id_name").fill("death_records")
    page.locator("#id_title").fill("死亡人员信息")
    page.locator("#id_source_agency").fill("公安局")
    page.locator("#id_data_date").fill("2025-01-10")
    page.locator("#id_legal_basis").fill("数据共享协议")
    page.locator("#id_columns").fill(
        "id_number:id_number\nname:text\nregion_code:text\ndeath_date:date"
    )
    page.locator("#id_file").set_input_files(str(bad))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_selector("[role=alert]")
    alert = page.locator("[role=alert]").inner_text()
    if language == "zh-hans":
        assert "文件 死亡名单.csv 第 2 行 death_date 列：不是日期" in alert
    else:
        assert "file 死亡名单.csv row 2 column death_date: not a date" in alert
    page.locator("[role=alert]").scroll_into_view_if_needed()
    page.screenshot(path=target / f"supervision-upload-refused-{language}.png", full_page=False)
    assert errors == []
