"""The why of a party colour in the reader's language: the rank-band reason is this app's; the
threshold and no-data reasons are the core-business evaluation's (``evaluation/reasons.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from grassroots.evaluation.reasons import render_why

COLOURS = {"green": "● ", "yellow": "▲ ", "red": "■ ", "grey": "○ "}


def _colour(name: str) -> str:
    label = {"green": _("Green"), "yellow": _("Yellow"), "red": _("Red"), "grey": _("Grey")}
    return COLOURS.get(name, "") + label.get(name, name)


def why_text(text: str, reasons: Sequence[Mapping[str, Any]] | None) -> str:
    if not reasons:
        return render_why(text) if text else ""
    out = []
    for r in reasons:
        p = r.get("params") or {}
        if r.get("key") == "rank_band":
            if p.get("hi"):
                sentence = _("rank %(rank)s of %(count)s: ranks %(lo)s–%(hi)s → %(colour)s")
            else:
                sentence = _("rank %(rank)s of %(count)s: ranks %(lo)s and after → %(colour)s")
            out.append(sentence % {**p, "colour": _colour(p.get("colour", ""))})
        else:
            out.append(render_why("", [r]))
    return "；".join(out)
