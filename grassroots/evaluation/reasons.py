"""The engine's "why this colour" reasons in the reader's language.

The engine writes each reason as an English sentence (``Result.why``) made from a template key
and parameters (``engine.colours.Reason``); ``Result.why_reason`` stores the key and parameters.
Here each key has a translatable sentence, so the reason reads in Chinese or English. A result
stored before ``why_reason`` existed is parsed from its English text; a text the engine did not
write (or a key this module does not know) is shown as stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grassroots.engine.colours import parse_why


def _int(text: str) -> int:
    """A count stored as text; a text that is no count is read as many (the plural)."""
    try:
        return int(text)
    except (TypeError, ValueError):
        return 2


def _colour(name: str) -> str:
    return {
        "green": "● " + _("Green"),
        "yellow": "▲ " + _("Yellow"),
        "red": "■ " + _("Red"),
        "grey": "○ " + _("Grey"),
        "no colour": _("no colour"),
    }.get(name, name)


def _on(name: str) -> str:
    return {"value": _("value"), "score": _("score")}.get(name, name)


def _tier(tier: str, share: str) -> str:
    if tier == "top":
        return _("top %(share)s") % {"share": share}
    if tier == "bottom":
        return _("bottom %(share)s") % {"share": share}
    return _("middle tier")


def group_names(codes: Sequence[str]) -> dict[str, str]:
    """Peer groups named by a unit's code (the default: the city) → that unit's name in the
    page's language, read in one query; a free-form group label stays as it is."""
    from grassroots.i18n import unit_name
    from grassroots.organisations.models import Unit

    return {u.code: unit_name(u) for u in Unit.objects.filter(code__in=set(codes))}


def _sentence(key: str, p: Mapping[str, str], names: Mapping[str, str]) -> str | None:
    colour = _colour(p.get("colour", ""))
    if key == "not_coloured":
        return _("not coloured by this scheme")
    if key == "no_data":
        return _("no data → %(colour)s") % {"colour": colour}
    if key == "rank_peer":
        return _("rank %(rank)s of %(count)s in peer group %(group)s: %(tier)s → %(colour)s") % {
            "rank": p["rank"],
            "count": p["count"],
            "group": names.get(p["group"], p["group"]),
            "tier": _tier(p["tier"], p.get("share", "")),
            "colour": colour,
        }
    if key == "rank_all":
        return _("rank %(rank)s of %(count)s among all units: %(tier)s → %(colour)s") % {
            "rank": p["rank"],
            "count": p["count"],
            "tier": _tier(p["tier"], p.get("share", "")),
            "colour": colour,
        }
    if key == "band":
        interval = f"[{p['lo']}, {p['hi']}{p['close']}"
        return _("%(on)s %(x)s in %(interval)s → %(colour)s") % {
            "on": _on(p["on"]),
            "x": p["x"],
            "interval": interval,
            "colour": colour,
        }
    if key == "outside_legend":
        return _("%(on)s %(x)s is outside every band of the legend → %(colour)s") % {
            "on": _on(p["on"]),
            "x": p["x"],
            "colour": colour,
        }
    if key == "in_range":
        return _("%(on)s %(x)s is inside the reasonable range %(low)s–%(high)s → %(colour)s") % {
            "on": _on(p["on"]),
            "x": p["x"],
            "low": p["low"],
            "high": p["high"],
            "colour": colour,
        }
    if key == "off_range":
        values = {
            "on": _on(p["on"]),
            "x": p["x"],
            "off": p["off"],
            "low": p["low"],
            "high": p["high"],
            "margin": p["margin"],
            "colour": colour,
        }
        if p.get("side") == "below":
            text = _(
                "%(on)s %(x)s is %(off)s below the reasonable range %(low)s–%(high)s "
                "(margin %(margin)s) → %(colour)s"
            )
        else:
            text = _(
                "%(on)s %(x)s is %(off)s above the reasonable range %(low)s–%(high)s "
                "(margin %(margin)s) → %(colour)s"
            )
        return text % values
    if key == "small_peer_group":
        return ngettext(
            "peer group %(group)s has only %(count)s unit (fewer than %(min)s): "
            "compared within the province",
            "peer group %(group)s has only %(count)s units (fewer than %(min)s): "
            "compared within the province",
            _int(p["count"]),
        ) % {"group": names.get(p["group"], p["group"]), "count": p["count"], "min": p["min"]}
    if key == "coverage":
        return _("only %(share)s of the weight has data (needs %(needs)s)") % {
            "share": p["share"],
            "needs": p["needs"],
        }
    return None


def render_why(
    text: str,
    reasons: Sequence[Mapping[str, Any]] | None = None,
    names: Mapping[str, str] | None = None,
) -> str:
    """The reason in the active language: from ``reasons`` (``Result.why_reason``) if given,
    else parsed from the English ``text``; the text itself when neither works. ``names``
    (`group_names`) names the peer groups; without it a group shows as its code."""
    parts: list[tuple[str, Mapping[str, str]]] = []
    if reasons:
        parts = [(str(r.get("key", "")), r.get("params") or {}) for r in reasons]
    else:
        parsed = parse_why(text)
        parts = [(r.key, r.params) for r in parsed] if parsed else []
    if not parts:
        return text
    sentences = []
    for key, params in parts:
        try:
            sentence = _sentence(key, params, names or {})
        except KeyError:  # a parameter missing from a stored reason
            sentence = None
        if sentence is None:
            return text
        sentences.append(sentence)
    return _("; ").join(sentences)
