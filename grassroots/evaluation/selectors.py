"""Reads of the evaluation app: runs and league tables as the user's scope and role allow."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

import yaml
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import get_language

from grassroots.engine.periods import Period
from grassroots.engine.scheme import Node, Scheme, scheme_from_dict
from grassroots.evaluation.models import EvaluationRun, RunStatus, SchemeVersion
from grassroots.evaluation.permissions import Visible, visibility_for
from grassroots.organisations.models import Level, Unit
from grassroots.organisations.scope import get_unit_for_user, league_units


class Sort(StrEnum):
    SCORE = "score"
    RANK = "rank"
    CITY = "city"
    CODE = "code"
    CHANGE = "change"


@lru_cache(maxsize=64)
def _parsed(pk: int, text: str) -> Scheme:
    # Keyed on the text too: a version never changes, but a test database may reuse a pk.
    return scheme_from_dict(yaml.safe_load(text), source=f"scheme version {pk}")


def scheme_of(version: SchemeVersion) -> Scheme:
    return _parsed(version.pk, version.yaml_text)


def runs_for(user: Any) -> QuerySet[EvaluationRun]:
    """Runs cover the whole province; anyone who may see a league table may list them."""
    if not league_units(user).exists():
        return EvaluationRun.objects.none()
    return EvaluationRun.objects.select_related("scheme_version", "created_by")


def get_run_for_user(user: Any, pk: int) -> EvaluationRun:
    run = runs_for(user).filter(pk=pk).first()
    if run is None:
        raise Http404("No such run")
    return run


def scope_root(user: Any) -> Unit:
    root = league_units(user).order_by("path").first()
    if root is None:
        raise Http404("No units in scope")
    return root


def previous_run(run: EvaluationRun) -> EvaluationRun | None:
    """The latest finished run of the same scheme for the period before this one."""
    previous = Period.parse(run.period).previous().key
    return (
        EvaluationRun.objects.filter(
            scheme_version__code=run.scheme_version.code,
            period=previous,
            status=RunStatus.DONE,
        )
        .order_by("-finished_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    city_code: str
    city_name: str
    score: float | None
    rank_peer: int | None
    rank_all: int | None
    colour: str
    rank_q05: float | None
    rank_q95: float | None
    score_change: float | None
    rank_change: int | None  # positive: moved up the table

    @property
    def arrow(self) -> str:
        change = self.rank_change if self.rank_change is not None else self.score_change
        if change is None or change == 0:
            return "→"
        return "↑" if change > 0 else "↓"


@dataclass
class League:
    run: EvaluationRun
    scheme: Scheme
    visible: Visible
    root: Unit
    node: Node
    aspects: list[Node]
    cities: list[Unit]
    rows: list[Row] = field(default_factory=list)
    previous: EvaluationRun | None = None


def _name(zh: str, en: str) -> str:
    return en if (get_language() or "").startswith("en") and en else zh


def league_table(
    *,
    run: EvaluationRun,
    user: Any,
    city: str = "",
    aspect: str = "",
    colour: str = "",
    sort: Sort = Sort.SCORE,
    descending: bool = True,
) -> League:
    """The run's units in the user's league scope, with what their role may see."""
    scheme = scheme_of(run.scheme_version)
    visible = visibility_for(user, scheme)
    root = scope_root(user)
    aspects = list(scheme.root.children)
    node = next((a for a in aspects if a.code == aspect), scheme.root)
    within = get_unit_for_user(user, city) if city else root
    if not within.path.startswith(root.path):
        raise Http404("No such unit")
    cities = list(
        Unit.objects.filter(path__startswith=root.path, level=Level.CITY).order_by("code")
    )
    previous = previous_run(run)
    league = League(run, scheme, visible, root, node, aspects, cities, previous=previous)
    league.rows = _rows(run, previous, node.code, within.path, visible)
    if colour and visible.colours:
        league.rows = [r for r in league.rows if r.colour == colour]
    league.rows = _sorted(league.rows, sort, descending, visible)
    return league


_FIELDS = ("unit_code", "score", "rank_peer", "rank_all", "colour", "rank_q05", "rank_q95")


def _rows(
    run: EvaluationRun, previous: EvaluationRun | None, node: str, path: str, visible: Visible
) -> list[Row]:
    results = run.results.filter(node=node, unit_path__startswith=path).values_list(*_FIELDS)
    before: dict[str, tuple[float | None, int | None]] = {}
    if previous is not None:
        before = {
            code: (score, rank)
            for code, score, rank in previous.results.filter(
                node=node, unit_path__startswith=path
            ).values_list("unit_code", "score", "rank_all")
        }
    units = {
        u["code"]: u
        for u in Unit.objects.filter(path__startswith=path, level=Level.GRASSROOTS).values(
            "code", "name_zh", "name_en", "parent__code", "parent__name_zh", "parent__name_en"
        )
    }
    rows = []
    for code, score, rank_peer, rank_all, colour, q05, q95 in results:
        unit = units.get(code)
        if unit is None:
            continue
        old_score, old_rank = before.get(code, (None, None))
        rows.append(
            Row(
                code=code,
                name=_name(unit["name_zh"], unit["name_en"]),
                city_code=unit["parent__code"] or "",
                city_name=_name(unit["parent__name_zh"] or "", unit["parent__name_en"] or ""),
                score=score,
                rank_peer=rank_peer if visible.ranks else None,
                rank_all=rank_all if visible.ranks else None,
                colour=colour if visible.colours else "",
                rank_q05=q05 if visible.ranks else None,
                rank_q95=q95 if visible.ranks else None,
                score_change=_diff(score, old_score),
                rank_change=(
                    _diff(old_rank, rank_all) if visible.ranks else None  # up is positive
                ),
            )
        )
    return rows


def _diff(a: Any, b: Any) -> Any:
    return None if a is None or b is None else a - b


def _sorted(rows: list[Row], sort: Sort, descending: bool, visible: Visible) -> list[Row]:
    if sort is Sort.RANK and not visible.ranks:
        sort = Sort.SCORE  # sorting by a hidden rank would show it
    missing_last = float("-inf") if descending else float("inf")
    keys = {
        Sort.SCORE: lambda r: (r.score if r.score is not None else missing_last, r.code),
        Sort.RANK: lambda r: (
            -(r.rank_all if r.rank_all is not None else 10**9),
            r.code,
        ),
        Sort.CITY: lambda r: (r.city_code, r.code),
        Sort.CODE: lambda r: (r.code,),
        Sort.CHANGE: lambda r: (
            r.score_change if r.score_change is not None else missing_last,
            r.code,
        ),
    }
    return sorted(rows, key=keys[sort], reverse=descending)
