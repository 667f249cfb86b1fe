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
    """The why of a viewer who may not see ranks: a rank band's reason names the band only."""
    out: list[Mapping[str, Any]] = []
    english: list[str] = []
    for r in reasons or []:
        p = dict(r.get("params") or {})
        if r.get("key") == "rank_band":
            p.pop("rank", None)
            p.pop("count", None)
            out.append({"key": "rank_band", "params": p})
            hi = f"–{p['hi']}" if p.get("hi") else " and after"
            english.append(f"ranks {p.get('lo')}{hi} → {p.get('colour')}")
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
        if r.get("key") == "rank_band" and "rank" not in p:
            if p.get("hi"):
                sentence = _("in the band of ranks %(lo)s–%(hi)s → %(colour)s")
            else:
                sentence = _("in the band of ranks %(lo)s and after → %(colour)s")
            out.append(sentence % {**p, "colour": _colour(p.get("colour", ""))})
        elif r.get("key") == "rank_band":
            if p.get("hi"):
                sentence = _("rank %(rank)s of %(count)s: ranks %(lo)s–%(hi)s → %(colour)s")
            else:
                sentence = _("rank %(rank)s of %(count)s: ranks %(lo)s and after → %(colour)s")
            out.append(sentence % {**p, "colour": _colour(p.get("colour", ""))})
        else:
            out.append(render_why("", [r]))
    return "；".join(out)
