"""The assistance app's Chinese catalogue is complete, compiled, and used by the pages."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.test import Client

import grassroots.assistance
from grassroots.organisations.models import Role

LC_MESSAGES = Path(grassroots.assistance.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries() -> dict[str, list[str]]:
    """msgid -> its msgstr(s), read from django.po (obsolete "#~" entries ignored)."""
    entries: dict[str, list[str]] = {}
    for block in (LC_MESSAGES / "django.po").read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in (x for x in block.splitlines() if not x.startswith("#")):
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            entries[fields["msgid"]] = [v for k, v in fields.items() if k.startswith("msgstr")]
    return entries


def test_every_assistance_message_has_a_chinese_translation() -> None:
    entries = po_entries()
    assert "Weak units" in entries
    assert [msgid for msgid, strs in entries.items() if not all(strs)] == []


def test_the_compiled_assistance_catalogue_matches_the_po_file() -> None:
    with (LC_MESSAGES / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    stale = [
        msgid
        for msgid, strs in po_entries().items()
        if catalogue.gettext(msgid) != strs[0] and catalogue.ngettext(msgid, msgid, 1) != strs[0]
    ]
    assert stale == []


@pytest.mark.django_db
def test_the_board_speaks_chinese_and_english(province, make_member) -> None:
    client = Client()
    client.force_login(make_member(Role.PROVINCE_ADMIN, "370000"))
    zh = client.get("/assistance/").content.decode()
    assert "<h1>薄弱院</h1>" in zh
    client.post("/i18n/setlang/", {"language": "en", "next": "/assistance/"})
    en = client.get("/assistance/").content.decode()
    assert "<h1>Weak units</h1>" in en
