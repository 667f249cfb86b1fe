"""The evaluation app's pages speak Chinese (catalogue completeness: tests/web/test_translations.py)."""

from __future__ import annotations

from django.urls import reverse

from grassroots.organisations.models import Role


def test_the_league_table_reads_in_chinese(runs, member) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    response = client.get(
        reverse("evaluation:run", args=[runs["2024Q4"].pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    html = response.content.decode()
    assert "全省排名" in html
    assert "评价结果表" in html
    assert "红" in html
