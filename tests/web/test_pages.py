from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from grassroots.organisations.models import Role

pytestmark = pytest.mark.django_db

PAGES = ["/", "/units/", "/units/370102/", "/audit/"]


def tree_codes(html: str) -> set[str]:
    return set(re.findall(r'data-unit="(\d+)"', html))


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_redirected_to_login(client, province, url) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_city_reviewer_sees_exactly_its_city_on_the_home_page(login_as) -> None:
    client = login_as(Role.CITY_REVIEWER, "370100")
    response = client.get("/")
    assert response.status_code == 200
    assert tree_codes(response.content.decode()) == {"370100", "370102", "370103", "370104"}


def test_province_admin_sees_the_whole_tree_with_counts(login_as) -> None:
    client = login_as(Role.PROVINCE_ADMIN, "370000")
    html = client.get("/").content.decode()
    assert tree_codes(html) == {"370000", "370100", "370102", "370103", "370104", "370200",
                                "370202"}  # fmt: skip
    # The province has two cities below it; Jinan three grassroots units; Qingdao one.
    assert re.search(r'data-unit="370000">.*?2 个下级单位', html, re.S)
    assert re.search(r'data-unit="370200">.*?1 个下级单位', html, re.S)


def test_grassroots_clerk_gets_404_for_another_county(login_as) -> None:
    client = login_as(Role.GRASSROOTS_CLERK, "370102")
    assert client.get("/units/370102/").status_code == 200
    assert client.get("/units/370103/").status_code == 404
    assert client.get("/units/370202/").status_code == 404
    assert client.get("/units/370100/").status_code == 404


def test_unit_page_shows_names_figures_and_children(login_as) -> None:
    client = login_as(Role.CITY_REVIEWER, "370100")
    html = client.get("/units/370102/").content.decode()
    assert "历下区人民检察院" in html
    assert "Lixia District Procuratorate" in html
    assert "48.5%" in html
    assert ">61<" in html
    # The city is the reviewer's own unit, so the parent is a link.
    assert 'href="/units/370100/"' in html
    city = client.get("/units/370100/").content.decode()
    assert 'href="/units/370102/"' in city
    assert 'href="/units/370103/"' in city
    assert "/units/370202/" not in city


def test_unit_page_does_not_link_a_parent_outside_scope(login_as) -> None:
    client = login_as(Role.CITY_REVIEWER, "370100")
    html = client.get("/units/370100/").content.decode()
    assert "山东省人民检察院" in html
    assert 'href="/units/370000/"' not in html


def test_unit_list_is_scoped_and_searchable(login_as) -> None:
    client = login_as(Role.CITY_REVIEWER, "370100")
    html = client.get("/units/").content.decode()
    assert {"370100", "370102", "370103"} <= set(re.findall(r"/units/(\d+)/", html))
    assert "370202" not in html
    found = client.get("/units/", {"q": "历下"}).content.decode()
    assert "/units/370102/" in found
    assert "/units/370103/" not in found


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.PROVINCE_ADMIN, "370000"),
        (Role.CITY_REVIEWER, "370100"),
        (Role.GRASSROOTS_CLERK, "370102"),
        (Role.LEADER, "370000"),
    ],
)
def test_audit_page_is_404_for_non_auditors(login_as, role, code) -> None:
    client = login_as(role, code)
    assert client.get("/audit/").status_code == 404
    assert 'href="/audit/"' not in client.get("/").content.decode()


def test_user_without_a_unit_sees_an_empty_home_and_no_units(client, province) -> None:
    user = get_user_model().objects.create_user(username="nobody", password="x")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert tree_codes(response.content.decode()) == set()
    assert client.get("/units/370102/").status_code == 404
