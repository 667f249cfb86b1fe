"""The shell around the pages: language switching, security headers, no external URLs, lockout."""

from __future__ import annotations

import re
import warnings

import pytest
from django.test import Client

from grassroots.organisations.models import AuditAction, Role

pytestmark = pytest.mark.django_db


def test_pages_are_in_chinese_by_default(login_as) -> None:
    html = login_as(Role.CITY_REVIEWER, "370100").get("/").content.decode()
    assert '<html lang="zh-hans"' in html
    assert "基层检察院评价系统" in html
    assert "所辖单位" in html
    assert "Units under your supervision" not in html


def test_an_english_browser_still_gets_chinese_until_it_switches(login_as) -> None:
    client = login_as(Role.CITY_REVIEWER, "370100")
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "所辖单位" in html


def test_the_language_switch_changes_the_page_language(login_as) -> None:
    client = login_as(Role.CITY_REVIEWER, "370100")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/units/370102/"})
    assert response.status_code == 302
    assert response["Location"] == "/units/370102/"
    html = client.get("/units/370102/").content.decode()
    assert '<html lang="en"' in html
    assert "Basic information" in html
    assert "基本信息" not in html
    # The unit's own name follows the language too, falling back to Chinese when absent.
    assert "<h1>Lixia District Procuratorate</h1>" in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "基本信息" in client.get("/units/370102/").content.decode()


def test_the_login_page_switches_language_too() -> None:
    client = Client()
    assert "用户名" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Username" in client.get("/accounts/login/").content.decode()


def test_model_names_come_translated(login_as) -> None:
    html = login_as(Role.CITY_REVIEWER, "370100").get("/units/370102/").content.decode()
    assert "基层检察院" in html  # Level.GRASSROOTS
    assert "市院审核员" in html  # the role in the header


@pytest.mark.parametrize("url", ["/", "/units/", "/units/370102/", "/accounts/login/"])
def test_security_headers_are_set(client, login_as, url) -> None:
    if url != "/accounts/login/":
        client = login_as(Role.PROVINCE_ADMIN, "370000")
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def external_urls(html: str) -> list[str]:
    urls = re.findall(r"""(?:src|href|action)\s*=\s*["']([^"']+)["']""", html, re.I)
    urls += re.findall(r"url\(\s*['\"]?([^)'\"]+)", html)
    return [u for u in urls if re.match(r"^(?:[a-z]+:)?//", u, re.I)]


def test_no_page_references_an_external_url(client, login_as, make_member) -> None:
    pages = {"/accounts/login/": client.get("/accounts/login/").content.decode()}
    auditor = login_as(Role.AUDITOR, "370000")
    for url in ["/", "/units/", "/units/370000/", "/units/370102/", "/audit/", "/units/nope/"]:
        pages[url] = auditor.get(url).content.decode()
    for url, html in pages.items():
        assert external_urls(html) == [], url
    assert external_urls('<script src="https://cdn.example/x.js">') != []  # the check can fail


def test_pages_use_no_inline_scripts_or_styles(login_as) -> None:
    html = login_as(Role.AUDITOR, "370000").get("/audit/").content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "<style" not in html
    assert re.search(r"\sstyle=", html) is None
    assert "/static/vendor/htmx/htmx.min.js" in html
    assert "echarts" not in html  # only pages with charts load ECharts


def test_the_admin_is_not_mounted(login_as) -> None:
    client = login_as(Role.PROVINCE_ADMIN, "370000")
    assert client.get("/admin/").status_code == 404


def test_logout_is_a_post_form(login_as) -> None:
    client = login_as(Role.CITY_REVIEWER, "370100")
    html = client.get("/").content.decode()
    assert re.search(r'<form method="post" action="/accounts/logout/">', html)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_login_with_a_good_password_reaches_home(client, make_member) -> None:
    make_member(Role.CITY_REVIEWER, "370100", username="reviewer")
    response = client.post(
        "/accounts/login/", {"username": "reviewer", "password": "pw-for-tests-only"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_locks_after_repeated_failures(client, make_member, settings) -> None:
    make_member(Role.CITY_REVIEWER, "370100", username="reviewer")
    limit = settings.GRASSROOTS_LOGIN_FAILURE_LIMIT
    for _ in range(limit - 1):
        response = client.post("/accounts/login/", {"username": "reviewer", "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    response = client.post("/accounts/login/", {"username": "reviewer", "password": "wrong"})
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()
    # Even the right password is refused while locked.
    response = client.post(
        "/accounts/login/", {"username": "reviewer", "password": "pw-for-tests-only"}
    )
    assert response.status_code == 429
    assert "1 分钟" in response.content.decode()  # the first lock is short (progressive)


def test_audit_page_lists_and_filters_entries_for_auditors(login_as, province) -> None:
    from grassroots.organisations.services import update_unit

    update_unit(unit=province["370102"], changes={"headcount": 70}, actor=None, reason="re-count")
    update_unit(unit=province["370202"], changes={"headcount": 50}, actor=None, reason="qingdao")
    client = login_as(Role.AUDITOR, "370100")
    html = client.get("/audit/").content.decode()
    assert "re-count" in html
    assert "qingdao" not in html  # outside the auditor's city
    assert "61 → 70" in html
    filtered = client.get(
        "/audit/", {"action": AuditAction.UPDATE, "unit": "370103"}
    ).content.decode()
    assert "re-count" not in filtered
    bad = client.get("/audit/", {"since": "2024-02-01", "until": "2024-01-01"})
    assert "截止日期早于起始日期" in bad.content.decode()


def test_audit_page_has_no_edit_or_delete_controls(login_as) -> None:
    client = login_as(Role.AUDITOR, "370000")
    html = client.get("/audit/").content.decode()
    forms = re.findall(r"<form[^>]*>", html)
    assert all(
        'method="get"' in f or "/i18n/setlang/" in f or "/accounts/logout/" in f for f in forms
    )
    assert client.post("/audit/").status_code == 405


def test_static_files_are_served_without_a_collect_step(client) -> None:
    from whitenoise.middleware import WhiteNoiseMiddleware

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "No directory at: .../static/" would raise here
        WhiteNoiseMiddleware(get_response=lambda request: None)
    for path in ["/static/grassroots/css/site.css", "/static/vendor/htmx/htmx.min.js"]:
        response = client.get(path)
        assert response.status_code == 200, path
