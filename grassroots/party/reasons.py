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


def hide_ranks(
    text: str, reasons: Sequence[Mapping[str, Any]] | None
) -> tuple[str, list[Mapping[str, Any]]]:
    """The why of a viewer who may not see ranks: a rank band's reason names the colour only.

    Not the rank, the count, nor the band's bounds: a band of one rank ("ranks 9–9", or "9 and
    after" among 9 units) would name the unit's rank, and any bounds narrow it down.
    """
    out: list[Mapping[str, Any]] = []
    english: list[str] = []
    for r in reasons or []:
        p = dict(r.get("params") or {})
        if r.get("key") == "rank_band":
            out.append({"key": "rank_band", "params": {"colour": p.get("colour", "")}})
            english.append(f"by the scheme's rank bands → {p.get('colour', '')}")
        else:
            out.append(r)
            english.append(text)
    return ("; ".join(english) if reasons else text), out


def why_text(text: str, reasons: Sequence[Mapping[str, Any]] | None) -> str:
    if not reasons:
        return render_why(text) if text else ""
    out = []
    for r in reasons:
        p = r.get("params") or {}
        if r.get("key") == "rank_band" and "rank" not in p:  # ranks hidden (``hide_ranks``)
            sentence = _("coloured by the scheme's rank bands → %(colour)s")
            out.append(sentence % {"colour": _colour(p.get("colour", ""))})
        elif r.get("key") == "rank_band":
            if p.get("hi"):
                sentence = _("rank %(rank)s of %(count)s: ranks %(lo)s–%(hi)s → %(colour)s")
            else:
                sentence = _("rank %(rank)s of %(count)s: ranks %(lo)s and after → %(colour)s")
            out.append(sentence % {**p, "colour": _colour(p.get("colour", ""))})
        else:
            out.append(render_why("", [r]))
    return "；".join(out)
