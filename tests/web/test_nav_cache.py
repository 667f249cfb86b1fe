"""The main menu is rendered once per everything it shows and cached (base.html, issue 20.1):
each user must get the menu their role, unit, page, language and unread count give, the same
as rendered without the cache, whoever filled the cache before them."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grassroots.notifications.models import Notification
from grassroots.organisations.models import Role

READERS = [
    (Role.PROVINCE_ADMIN, "370000"),
    (Role.LEADER, "370000"),
    (Role.AUDITOR, "370000"),
    (Role.SYSTEM_ADMIN, "370000"),
    (Role.SECURITY_ADMIN, "370000"),
    (Role.CITY_REVIEWER, "370100"),
    (Role.GRASSROOTS_CLERK, "370102"),
    (Role.LEADER, "370102"),
]
PAGES = ["notifications:inbox", "password-change"]


def nav(client: Client, page: str, lang: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.get(reverse(page))
    assert response.status_code == 200
    found = re.search(r'<nav class="main-nav".*?</nav>', response.content.decode(), re.S)
    assert found is not None
    return found.group(0)


def menus(clients: list[Client]) -> list[str]:
    return [
        nav(client, page, lang)
        for client in clients
        for page in PAGES
        for lang in ("zh-hans", "en")
    ]


def test_each_reader_gets_their_own_menu_whoever_filled_the_cache(make_member) -> None:
    clients = []
    for role, code in READERS:
        client = Client()
        client.force_login(make_member(role, code))
        clients.append(client)
    caches["default"].clear()
    cold = []
    for client in clients:  # each reader's menus rendered with nothing of theirs cached
        caches["default"].clear()
        cold += menus([client])
    assert len(set(cold)) > len(READERS)  # the menus differ by role, unit, page and language
    caches["default"].clear()
    assert menus(clients) == cold  # filled in turn
    assert (
        menus(list(reversed(clients)))
        == [  # and read from the cache in another order
            m for i in reversed(range(len(READERS))) for m in cold[i * 4 : i * 4 + 4]
        ]
    )
    assert any("Audit log" in m for m in cold)
    assert not all("Audit log" in m for m in cold)


def test_a_new_notification_shows_in_the_menu_at_once(make_member) -> None:
    user = make_member(Role.LEADER, "370000")
    client = Client()
    client.force_login(user)
    assert "unread-count" not in nav(client, "password-change", "zh-hans")
    Notification.objects.create(recipient=user, kind="test", title="t", created=timezone.now())
    assert re.search(r'unread-count"[^>]*>1<', nav(client, "password-change", "zh-hans"))
    Notification.objects.filter(recipient=user).update(read_at=timezone.now())
    assert "unread-count" not in nav(client, "password-change", "zh-hans")
