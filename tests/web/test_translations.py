"""Every app's Chinese catalogue is complete and its compiled .mo matches the .po.

One test for all catalogues (the web shell's and each app's), so a new app with templates cannot
ship without one, and the demo needs no gettext at run time.
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

import grassroots

PACKAGE = Path(grassroots.__file__).parent
# Each catalogue must hold at least this many messages, and this one message (a sanity check
# that the right file is read, not an empty one).
CATALOGUES = {
    "web": (100, "Audit log"),
    "intake": (40, "Data intake"),
    "evaluation": (40, "League table"),
    "assistance": (40, "Weak units"),
    "people": (100, "Roster"),
    "reports": (40, "Documents"),
    "supervision": (40, "Supervision models"),
    "notifications": (40, "Notifications"),
    "direct": (40, "Direct channel"),
    "party": (100, "Party building and business"),
    "library": (40, "Library"),
}


# The organisations templates' strings live in the web shell's catalogue (made over the package).
COVERED_ELSEWHERE = {"organisations": "web"}


def lc_messages(app: str) -> Path:
    return PACKAGE / app / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries(app: str) -> dict[str, list[str]]:
    """msgid -> its msgstr(s), read from django.po (obsolete "#~" entries ignored); a message
    with a context (msgctxt) is keyed as gettext keys it, "context\x04msgid"."""
    entries: dict[str, list[str]] = {}
    for block in (lc_messages(app) / "django.po").read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        fields: dict[str, str] = {}
        key = ""
        for line in lines:
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            if "msgctxt" in fields:
                fields["msgid"] = f"{fields['msgctxt']}\x04{fields['msgid']}"
            entries[fields["msgid"]] = [v for k, v in fields.items() if k.startswith("msgstr")]
    return entries


def test_every_app_with_templates_has_a_catalogue_under_test() -> None:
    apps = {p.parent.name for p in PACKAGE.glob("*/templates")} - set(COVERED_ELSEWHERE)
    assert apps <= set(CATALOGUES), (
        f"add a zh_Hans catalogue and an entry here for {apps - set(CATALOGUES)}"
    )


@pytest.mark.parametrize("app", sorted(CATALOGUES))
def test_every_message_has_a_chinese_translation(app: str) -> None:
    minimum, known = CATALOGUES[app]
    entries = po_entries(app)
    assert len(entries) > minimum
    assert known in entries
    untranslated = [msgid for msgid, strs in entries.items() if not all(strs)]
    assert untranslated == []


@pytest.mark.parametrize("app", sorted(CATALOGUES))
def test_the_compiled_catalogue_matches_the_po_file(app: str) -> None:
    with (lc_messages(app) / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    stale = [
        msgid
        for msgid, strs in po_entries(app).items()
        if catalogue.gettext(msgid) != strs[0] and catalogue.ngettext(msgid, msgid, 1) != strs[0]
    ]
    assert stale == [], f"run compilemessages -l zh_Hans from grassroots/{app}"
