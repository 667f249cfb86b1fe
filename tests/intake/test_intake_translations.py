"""The intake app's Chinese catalogue is complete, compiled, and used by its pages."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import grassroots.intake

LC_MESSAGES = Path(grassroots.intake.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries() -> dict[str, list[str]]:
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


def test_every_intake_message_has_a_chinese_translation() -> None:
    entries = po_entries()
    assert len(entries) > 40
    assert [msgid for msgid, strs in entries.items() if not all(strs)] == []


def test_the_compiled_intake_catalogue_matches_the_po_file() -> None:
    with (LC_MESSAGES / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    stale = [
        msgid
        for msgid, strs in po_entries().items()
        if catalogue.gettext(msgid) != strs[0] and catalogue.ngettext(msgid, msgid, 1) != strs[0]
    ]
    assert stale == []


def test_the_intake_page_speaks_chinese(client, clerk) -> None:
    client.force_login(clerk)
    page = client.get("/intake/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "上传案件数据" in page
    assert "数据采集" in page
