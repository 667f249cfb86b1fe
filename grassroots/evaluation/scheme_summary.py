"""A scheme said in words for the people who approve it (issue 18.7): the tree with each part's
share of the whole, how indicators are put on one scale, how colours are given and who sees
ranks and colours — shown above the YAML, which stays for the specialists who edit it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from grassroots.engine.catalogue import Catalogue
from grassroots.engine.scheme import ColourRule, Direction, Node, NormMethod, Scheme, Within
from grassroots.i18n import in_language
from grassroots.organisations.models import Role


@dataclass(frozen=True)
class Row:
    depth: int
    name: str
    share_of_parent: float  # percent
    share_of_whole: float  # percent
    indicator: str  # the catalogue's name of the indicator a leaf scores ("" for a part)
    direction: str


@dataclass(frozen=True)
class Summary:
    title: str
    rows: list[Row]
    normalisation: str
    missing: str
    colours: str
    ranks_to: str
    colours_to: str
    uncertainty: str


def _direction(node: Node) -> str:
    if node.direction is Direction.HIGHER:
        return _("higher is better")
    if node.direction is Direction.LOWER:
        return _("lower is better")
    if node.range is not None:
        return _("best between %(low)s and %(high)s") % {
            "low": f"{node.range.low:g}",
            "high": f"{node.range.high:g}",
        }
    if node.direction is not None:
        return _("best inside a range")
    return ""


def _rows(node: Node, catalogue: Catalogue | None, depth: int, whole: float) -> list[Row]:
    rows: list[Row] = []
    total = sum(c.weight for c in node.children) or 1.0
    for child in node.children:
        share = 100.0 * child.weight / total
        of_whole = whole * share / 100.0
        indicator = ""
        if child.indicator and catalogue is not None and child.indicator in catalogue.indicators:
            found = catalogue.indicators[child.indicator]
            indicator = in_language(found.name_zh, found.name_en)
        name = in_language(child.name_zh, child.name_en) or child.code
        rows.append(Row(depth, name, share, of_whole, indicator, _direction(child)))
        rows += _rows(child, catalogue, depth + 1, of_whole)
    return rows


def _colour(name: str) -> str:
    words = {"green": _("Green"), "yellow": _("Yellow"), "red": _("Red"), "grey": _("Grey")}
    return words.get(name, name)


def _within(within: Within) -> str:
    return _("within each peer group (city)") if within is Within.PEER else _("across all units")


def _roles(names: tuple[str, ...]) -> str:
    """The scheme's role names (its function names, ``city_admin``, or the app's) as the roles
    a reader knows (evaluation/permissions.py:ROLE_NAMES maps them)."""
    from grassroots.evaluation.permissions import ROLE_NAMES

    labels: list[str] = []
    for name in names:
        roles = ROLE_NAMES.get(name) or {r for r in Role if r.value == name}
        for role in sorted(roles, key=lambda r: r.value):
            if str(role.label) not in labels:
                labels.append(str(role.label))
        if not roles:
            labels.append(name)
    return "、".join(labels) if labels else _("no one")


def summarise(scheme: Scheme, catalogue: Catalogue | None) -> Summary | None:
    """The summary of a composite scheme; None for a checklist (its items are its summary)."""
    if scheme.tree is None:
        return None
    policy = scheme.defaults
    norm = policy.normalisation
    methods = {
        NormMethod.MINMAX: _("the best unit scores %(high)s and the weakest %(low)s"),
        NormMethod.PERCENTILE_RANK: _("a unit scores the share of units it does better than"),
    }
    method = methods.get(norm.method, _("method %(name)s")) % {
        "high": f"{norm.high:g}",
        "low": f"{norm.low:g}",
        "name": norm.method.value,
    }
    normalisation = _("Each indicator is put on a 0–100 scale %(within)s: %(method)s.") % {
        "within": _within(norm.within),
        "method": method,
    }
    missing = _(
        "A part is scored only when indicators holding at least %(share)d%% of its weight have "
        "data; otherwise its score is missing, not guessed."
    ) % {"share": round(policy.missing.min_coverage * 100)}
    colour = policy.colour
    if colour.rule is ColourRule.RANK_TIERS:
        colours = _(
            "Colours by standing %(within)s: the top %(top)d%% green, the bottom %(bottom)d%% "
            "red, the rest yellow."
        ) % {
            "within": _within(colour.within),
            "top": round(colour.top * 100),
            "bottom": round(colour.bottom * 100),
        }
    else:
        bands = "；".join(
            _("%(colour)s from %(start)s to %(end)s")
            % {
                "colour": _colour(b.colour.value),
                "start": "—" if b.start is None else f"{b.start:g}",
                "end": "—" if b.end is None else f"{b.end:g}",
            }
            for b in colour.bands
        )
        colours = _("Colours by fixed bands of the %(on)s: %(bands)s.") % {
            "on": _("score") if colour.on == "score" else _("value"),
            "bands": bands or colour.rule.value,
        }
    colours += " " + _("A unit without data is %(colour)s.") % {
        "colour": _colour(colour.no_data.value)
    }
    replications = scheme.uncertainty.replications
    uncertainty = (
        _(
            "Each rank comes with the range it takes over %(n)d variations of the weights and "
            "methods, so a place that depends on a choice shows it."
        )
        % {"n": replications}
        if replications
        else _("No rank intervals are computed.")
    )
    return Summary(
        title=in_language(scheme.title_zh, scheme.title_en) or scheme.name,
        rows=_rows(scheme.tree, catalogue, 0, 100.0),
        normalisation=normalisation,
        missing=missing,
        colours=colours,
        ranks_to=_roles(scheme.visibility.show_ranks_to),
        colours_to=_roles(scheme.visibility.show_colours_to),
        uncertainty=uncertainty,
    )


def summary_of(version: Any) -> Summary | None:
    """The summary of a stored scheme version (its catalogue: the shipped one it names)."""
    from grassroots.engine.catalogue import load_catalogue
    from grassroots.evaluation.schemes import scheme_of

    scheme = scheme_of(version)
    catalogue = load_catalogue(scheme.catalogue) if scheme.catalogue else None
    return summarise(scheme, catalogue)
