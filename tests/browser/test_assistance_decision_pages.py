"""The province's decision pages in a real browser, both languages, fed from stored runs: the
board (targets met, warnings, relapse), candidates, the designate form (with its errors), pairing,
awards and the relapse watch. No console errors (CSP included); a screenshot of each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from grassroots.assistance.models import Designation, Dimension, WeakLevel, WeakStatus
from grassroots.assistance.services import designate_weak_unit, pair_weak_unit, set_target
from grassroots.evaluation.models import EvaluationRun, RunStatus, SchemeVersion
from grassroots.evaluation.runs import _finish
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import UnitRow

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-browser-tests"
EXTRA = UnitRow(
    "370104",
    "槐荫区人民检察院",
    "grassroots",
    "370100",
    name_en="Huaiyin District Procuratorate",
    peer_group="370100",
    headcount=38,
    procurators=15,
    under_45_share=Decimal("40"),
)
RANKS = {
    "2023Q3": {"370102": 3, "370103": 1, "370104": 4, "370202": 2},
    "2023Q4": {"370102": 2, "370103": 1, "370104": 4, "370202": 3},
    "2024Q1": {"370102": 2, "370103": 1, "370104": 4, "370202": 3},
    "2024Q2": {"370102": 3, "370103": 1, "370104": 4, "370202": 2},
}
SCORES = {1: 88.4, 2: 76.2, 3: 64.9, 4: 52.3}
PERSONS = {"370102": 610, "370103": 580, "370104": 360, "370202": 720}
HEADCOUNT = {"370102": 61, "370103": 55, "370104": 38, "370202": 70}


def _store(period: str, folder: Path, scheme: SchemeVersion) -> None:
    rows = []
    for code, rank in RANKS[period].items():
        base = {"unit_code": code, "period": period}
        rows.append(
            {
                **base,
                "node": "core-business",
                "level": "whole",
                "score": SCORES[rank],
                "rank_all": rank,
                "rank_q05": max(rank - 1, 1),
                "rank_q95": min(rank + 1, 4),
            }
        )
        rows.append({**base, "node": "remand_rate", "level": "indicator", "value": 4.0 + rank})
    run = EvaluationRun.objects.create(
        scheme_version=scheme,
        period=period,
        source_path=str(folder),
        status=RunStatus.RUNNING,
        created_at=timezone.now(),
    )
    _finish(run, status=RunStatus.DONE, frame=pd.DataFrame(rows))


@pytest.fixture
def decision_world(transactional_db, small_province_rows, tmp_path) -> None:
    load_units(rows=[*small_province_rows, EXTRA], actor=None, reason="browser fixture")
    for code, staff in HEADCOUNT.items():
        Unit.objects.filter(code=code).update(headcount=staff)
    persons = pd.DataFrame({"unit_code": [c for c, n in PERSONS.items() for _ in range(n)]})  # noqa: C416
    con = duckdb.connect()
    con.register("persons", persons)
    con.execute(f"copy persons to '{tmp_path / 'persons.parquet'}' (format parquet)")
    con.close()
    scheme = SchemeVersion.objects.create(
        code="core-business", version=1, yaml_text="name: core-business", created_at=timezone.now()
    )
    for period in RANKS:
        _store(period, tmp_path, scheme)
    users = get_user_model().objects
    admin = users.create_user(username="admin", password=PASSWORD)
    add_member(
        user=admin, unit=Unit.objects.get(code="370000"), role=Role.PROVINCE_ADMIN, actor=None
    )
    city = users.create_user(username="city", password=PASSWORD)
    add_member(user=city, unit=Unit.objects.get(code="370100"), role=Role.CITY_REVIEWER, actor=None)
    weak = designate_weak_unit(
        unit=Unit.objects.get(code="370104"),
        level=WeakLevel.PROVINCIAL,
        designated_on=dt.date(2024, 8, 1),
        reasons={Dimension.BUSINESS: "连续四个季度综合排名末位"},
        actor=admin,
    )
    pair_weak_unit(
        designation=weak,
        partner=Unit.objects.get(code="370103"),
        contact_leader="副检察长 王某",
        actor=admin,
    )
    for period, value in (("2024Q1", 9.0), ("2024Q2", 6.0), ("2024Q4", 6.0)):
        set_target(
            designation=weak, indicator="remand_rate", period=period, value=value, actor=city
        )
    exited = designate_weak_unit(
        unit=Unit.objects.get(code="370202"),
        level=WeakLevel.MUNICIPAL,
        designated_on=dt.date(2023, 1, 5),
        reasons={Dimension.STAFF: "员额检察官不足"},
        actor=admin,
    )
    Designation.objects.filter(pk=exited.pk).update(
        status=WeakStatus.EXITED, exit_period="2023Q3", exited_on=dt.date(2023, 10, 20)
    )


def _login(page, live_server, language: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("combobox").select_option(language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_decision_pages_render_cleanly_in_each_language(
    live_server, page, decision_world, screenshots, language
) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server, language)
    pages = {
        "board": "/assistance/",
        "candidates": "/assistance/candidates/?k=2&n=4&share=33",
        "designate": "/assistance/designate/370102/",
        "pairing": "/assistance/pairing/",
        "awards": "/assistance/awards/?quarter=2024Q2&typical_cases=370104+3",
        "relapse": "/assistance/relapse/",
    }
    for name, url in pages.items():
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None
        assert response.status == 200, url
        page.screenshot(
            path=screenshots / f"assistance-decisions-{name}-{language}.png", full_page=True
        )
    # The designate form with its errors: no reason, a disallowed file; nothing saved.
    page.goto(f"{live_server.url}/assistance/designate/370102/")
    # 370102 is not suggested by the candidate rule: the page asks why (issue 18.7).
    page.locator("#id_outside_rule_reason").fill("经党组研究决定")
    page.locator("#id_evidence_file").set_input_files(
        files=[{"name": "x.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"}]
    )
    page.locator("form.panel button[type=submit]").click()
    page.wait_for_selector(".errorlist")
    page.screenshot(
        path=screenshots / f"assistance-decisions-designate-errors-{language}.png", full_page=True
    )
    assert not Designation.objects.filter(unit__code="370102").exists()
    assert errors == []
