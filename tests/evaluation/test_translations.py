"""The evaluation app's Chinese catalogue is complete and its compiled .mo matches the .po."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

from django.urls import reverse

import grassroots.evaluation
from grassroots.organisations.models import Role

LC_MESSAGES = Path(grassroots.evaluation.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries() -> dict[str, list[str]]:
    """msgid -> its msgstr(s), read from django.po (obsolete "#~" entries ignored)."""
    entries: dict[str, list[str]] = {}
    for block in (LC_MESSAGES / "django.po").read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        fields: dict[str, str] = {}
        key = ""
        for line in lines:
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            entries[fields["msgid"]] = [v for k, v in fields.items() if k.startswith("msgstr")]
    return entries


def test_every_evaluation_message_has_a_chinese_translation() -> None:
    entries = po_entries()
    assert "League table" in entries
    untranslated = [msgid for msgid, strs in entries.items() if not all(strs)]
    assert untranslated == []


def test_the_compiled_evaluation_catalogue_matches_the_po_file() -> None:
    with (LC_MESSAGES / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    stale = [
        msgid
        for msgid, strs in po_entries().items()
        if catalogue.gettext(msgid) != strs[0] and catalogue.ngettext(msgid, msgid, 1) != strs[0]
    ]
    assert stale == [], "run compilemessages -l zh_Hans from grassroots/evaluation"


def test_the_league_table_reads_in_chinese(runs, member) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    response = client.get(
        reverse("evaluation:run", args=[runs["2024Q4"].pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    html = response.content.decode()
    assert "全省排名" in html
    assert "排行表" in html
    assert "红" in html
