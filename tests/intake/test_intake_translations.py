"""The intake app's pages speak Chinese (catalogue completeness: tests/web/test_translations.py)."""

from __future__ import annotations


def test_the_intake_page_speaks_chinese(client, clerk) -> None:
    client.force_login(clerk)
    page = client.get("/intake/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "上传案件数据" in page
    assert "数据采集" in page
