"""The assistance app's pages speak Chinese (catalogue completeness: tests/web/test_translations.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from grassroots.organisations.models import Role


@pytest.mark.django_db
def test_the_board_speaks_chinese_and_english(province, make_member) -> None:
    client = Client()
    client.force_login(make_member(Role.PROVINCE_ADMIN, "370000"))
    zh = client.get("/assistance/").content.decode()
    assert "<h1>相对薄弱基层院</h1>" in zh
    client.post("/i18n/setlang/", {"language": "en", "next": "/assistance/"})
    en = client.get("/assistance/").content.decode()
    assert "<h1>Weak units</h1>" in en
