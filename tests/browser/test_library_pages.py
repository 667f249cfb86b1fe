"""The library in a real browser: a search in Chinese finds a typical case by a word of its 要旨
(and not a case the clerk may not see), every page renders in both languages without console
errors, and screenshots of each."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from grassroots.library import services
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-browser-tests"
SHOTS = Path("/work/shots/library")
D = dt.date(2025, 3, 18)


def _user(username: str, code: str, role: Role) -> Any:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
    return user


@pytest.fixture
def library_world(city_reviewer: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    admin = _user("admin", "370000", Role.PROVINCE_ADMIN)
    clerk = _user("clerk", "370102", Role.GRASSROOTS_CLERK)
    lixia, other = Unit.objects.get(code="370102"), Unit.objects.get(code="370103")
    typical = services.save_case(
        actor=clerk, unit=lixia,
        fields={"title": "督促整治河道污染行政公益诉讼案", "kind": "typical",
                "business_line": "public_interest", "keywords": "河道 公益诉讼",
                "gist": "检察机关以诉前磋商推动非法采砂问题系统治理，修复河道生态。",
                "body": "<h3>基本案情</h3><p>某河道长期存在非法采砂。</p>"},
    )  # fmt: skip
    entry = services.add_entry(
        actor=clerk, case=typical, programme="全省公益诉讼典型案例", batch="第一批",
        level="provincial", on=D,
    )  # fmt: skip
    services.advance_entry(actor=clerk, entry=entry, on=D)
    for grade in ("", "", "典型案例"):
        services.advance_entry(actor=admin, entry=entry, on=D, grade=grade)
    services.add_entry(
        actor=clerk, case=typical, programme="最高检公益诉讼典型案例", batch="", level="spp_typical", on=D
    )  # fmt: skip
    hidden = services.save_case(
        actor=admin, unit=other,
        fields={"title": "市中区培育中的采砂案件", "kind": "typical",
                "business_line": "public_interest", "gist": "非法采砂线索尚在培育。"},
    )  # fmt: skip
    services.attach(actor=clerk, case=typical, name="判决书.pdf", content=b"%PDF-1.7 demo")
    column = services.save_column(actor=admin, province=Unit.objects.get(code="370000"),
                                  name_zh="三年攻坚", name_en="Three-year push")  # fmt: skip
    article = services.save_article(
        actor=clerk, unit=lixia, column=column,
        fields={"title": "以高质效办案推动基层院建设", "author": "历下区院", "summary": "三项做法",
                "body": "<p>一是补短板。</p><p>二是强队伍。</p>"},
    )  # fmt: skip
    brand = services.save_brand(
        actor=clerk, unit=lixia,
        fields={"name": "“泉城检护”公益诉讼品牌", "brand_type": "business",
                "business_line": "public_interest", "plan": "<ol><li>建立机制</li></ol>"},
    )  # fmt: skip
    services.save_goal(actor=clerk, brand=brand, stage=1, goal="建立工作机制",
                       due=dt.date(2025, 12, 31), status="underway")  # fmt: skip
    services.add_award(actor=clerk, brand=brand, title="全省检察机关特色品牌", level="province",
                       on=D, awarding_body="省人民检察院")  # fmt: skip
    services.save_honour(actor=clerk, unit=lixia, title="全省先进基层检察院", level="province",
                         on=D, awarding_body="省人民检察院")  # fmt: skip
    return {"typical": typical, "hidden": hidden, "article": article, "brand": brand}


def _login(page: Any, live_server: Any, language: str, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("combobox").select_option(language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def test_a_chinese_search_finds_a_typical_case_by_a_word_of_its_gist(
    live_server: Any, page: Any, library_world: dict[str, Any], screenshots: Path
) -> None:
    _login(page, live_server, "zh-hans", "clerk")
    page.goto(f"{live_server.url}/library/")
    page.locator("#id_q").fill("诉前磋商")  # only in the 要旨, not the title or keywords
    page.get_by_role("button", name="搜索").click()
    results = page.locator("ol.results li")
    results.first.wait_for()
    assert results.count() == 1
    assert "督促整治河道污染行政公益诉讼案" in results.first.inner_text()
    page.locator("#id_q").fill("非法采砂")  # also in 市中's case, which the clerk may not see
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url("**q=*")
    text = page.locator("main").inner_text()
    assert "督促整治河道污染行政公益诉讼案" in text
    assert "市中区培育中的采砂案件" not in text
    page.locator("ol.results li a").first.click()
    page.wait_for_url(f"**/library/cases/{library_world['typical'].pk}/")
    assert "诉前磋商" in page.locator(".gist").inner_text()


@pytest.mark.parametrize(
    ("language", "heading"), [("zh-hans", "案例与经验库"), ("en", "Case and experience library")]
)
def test_library_pages_render_cleanly_in_each_language(
    live_server: Any, page: Any, library_world: dict[str, Any], screenshots: Path,
    language: str, heading: str,
) -> None:  # fmt: skip
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server, language, "admin")
    world = library_world
    pages = {
        "search": "/library/?q=公益诉讼",
        "cases": "/library/cases/",
        "case": f"/library/cases/{world['typical'].pk}/",
        "case-new": "/library/cases/new/",
        "articles": "/library/articles/",
        "article": f"/library/articles/{world['article'].pk}/",
        "article-edit": f"/library/articles/{world['article'].pk}/edit/",
        "columns": "/library/columns/",
        "brands": "/library/brands/",
        "brand": f"/library/brands/{world['brand'].pk}/",
        "honours": "/library/honours/",
        "award-weights": "/assistance/awards/weights/",
    }
    target = SHOTS if SHOTS.parent.exists() else screenshots
    target.mkdir(parents=True, exist_ok=True)
    for name, url in pages.items():
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None
        assert response.status == 200, url
        if name == "search":
            assert page.locator("h1").inner_text() == heading
        page.screenshot(path=target / f"library-{name}-{language}.png", full_page=True)
    assert errors == []
