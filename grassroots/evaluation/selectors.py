"""Reads of the evaluation app: runs and league tables as the user's scope and role allow."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from django.core.cache import caches
from django.db import connection
from django.db.models import CharField, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Substr
from django.http import Http404

from grassroots.compiled import Compiled
from grassroots.engine.periods import Period
from grassroots.engine.scheme import Node, Scheme
from grassroots.engine.scoring.ranks import rank_desc
from grassroots.evaluation.models import EvaluationRun, Publication, Result, RunStatus
from grassroots.evaluation.permissions import Visible, sees_drafts, visibility_for
from grassroots.evaluation.schemes import scheme_of
from grassroots.i18n import english, in_language
from grassroots.organisations.models import AuditEntry, Level, Unit
from grassroots.organisations.scope import get_unit_for_user, league_root, league_units


class Sort(StrEnum):
    SCORE = "score"
    RANK = "rank"
    CITY = "city"
    CODE = "code"
    CHANGE = "change"  # the score's change
    RANK_CHANGE = "rank_change"


# What a run is once the province has published it; a superseded run stays readable as history.
RELEASED = (Publication.PUBLISHED, Publication.SUPERSEDED)


def runs_for(user: Any, *, root: Unit | None = None) -> QuerySet[EvaluationRun]:
    """The runs a user may see: the one gate of every run list, page, export and API answer.

    Runs cover the whole province; anyone who may see a league table may list them. The province
    administrator and the auditor see every run (drafts, provisional and unfinished ones too);
    everyone else only published runs (and the superseded ones, as history).

    ``root``: the user's scope root (`scope_root`), when the caller has it already: then the
    user has league units, and the check is not made again.
    """
    if root is None:
        root = league_root(user)
        if root is None or not league_units(user).exists():
            return EvaluationRun.objects.none()
    runs = EvaluationRun.objects.select_related("scheme_version", "created_by", "published_by")
    runs = within_scope(runs, root)
    if not sees_drafts(user):
        runs = runs.filter(status=RunStatus.DONE, provisional=False, publication__in=RELEASED)
    return runs


def within_scope(runs: QuerySet[EvaluationRun], root: Unit) -> QuerySet[EvaluationRun]:
    """The runs whose scope covers ``root`` or lies under it (issue 19.5).

    A run started for a unit (its ``scope``) is visible to users whose scope root is that unit,
    one of its ancestors (a province administrator sees a city's run) or under it (a city sees
    its province's run); a run with no scope (a folder or national run) covers every unit and
    each reader sees only their units' rows of it. Another province's run is not listed.
    """
    if not root.path:
        return runs  # the national root sees every run
    ancestors = [code for code in root.path.split("/") if code]
    under = Unit.objects.filter(path__startswith=root.path).values("code")
    # The scope is read as plain text (a Cast over the key's text): on SQLite a JSON lookup
    # passed the codes through JSON_EXTRACT, which takes a code such as 37T000 for malformed
    # JSON (every home and run page of the demo was a 500).
    scoped = runs.annotate(run_scope=Cast(KT("parameters__scope"), CharField()))
    return scoped.filter(
        Q(run_scope__isnull=True)
        | Q(run_scope="")
        | Q(run_scope__in=ancestors)
        | Q(run_scope__in=Subquery(under))
    )


def get_run_for_user(user: Any, pk: int) -> EvaluationRun:
    run = runs_for(user).filter(pk=pk).first()
    if run is None:
        raise Http404("No such run")
    return run


def scope_root(user: Any) -> Unit:
    root = league_root(user)
    if root is None:
        raise Http404("No units in scope")
    return root


# A run by its key, with what its pages name (`Compiled`: the SQL is built once per process).
_RUN_BY_KEY: Compiled[EvaluationRun] = Compiled(
    lambda pk: EvaluationRun.objects.select_related(
        "scheme_version", "created_by", "published_by"
    ).filter(pk=pk),
    -20_000_001,  # a marker: no run has a negative key
)


def league_run(user: Any, pk: int) -> tuple[EvaluationRun, Unit]:
    """The run (as `get_run_for_user`) and the user's scope root.

    Every league-table request reads its run: here by its key alone, and `runs_for`'s gate
    (the scope of `within_scope`, the drafts of `sees_drafts`) is applied to the run read, in
    `may_read_run`, and the query's SQL is built once per process (`Compiled`). The filtered
    query cost ~3.5 ms of CPU to build and plan, a fifth of a request (issue 20.1);
    tests/evaluation/test_league_run_gate.py holds the two gates equal.
    """
    root = scope_root(user)
    run = _RUN_BY_KEY.first(int(pk))
    if run is None or not may_read_run(user, run, root):
        raise Http404("No such run")
    return run, root


def may_read_run(user: Any, run: EvaluationRun, root: Unit) -> bool:
    """Is ``run`` one of `runs_for(user, root=root)`? The same gate, on a run already read."""
    if not sees_drafts(user) and not (
        run.status == RunStatus.DONE and not run.provisional and run.publication in RELEASED
    ):
        return False
    if not root.path:
        return True  # the national root sees every run
    scope = _scope_text(run.parameters)
    if not scope or scope in root.path.split("/"):
        return True  # no scope (covers every unit), or the root's own unit or an ancestor
    return Unit.objects.filter(path__startswith=root.path, code=scope).exists()


def _scope_text(parameters: Any) -> str | None:
    """``parameters.scope`` as `within_scope` reads it in SQL (``->>``): text, None if absent."""
    if not isinstance(parameters, dict) or parameters.get("scope") is None:
        return None
    scope = parameters["scope"]
    return scope if isinstance(scope, str) else json.dumps(scope)


UNIT_AUDIT_MODEL = Unit._meta.label_lower  # "organisations.unit", as the audit log names it


# A run ranks (`rank_all`) the units it was given: one province's, or several provinces' when
# it was run over the nation. Its extent says which, read from its stored results' paths.
PROVINCE_PATH_LENGTH = len("370000/")


def _run_key(run: EvaluationRun) -> tuple[int, str, str]:
    # A finished run never changes; the hash and time guard against a test database reusing a pk.
    # An unfinished run has no results, and its key changes when it finishes (finished_at).
    return (run.pk, run.input_hash, str(run.finished_at))


@lru_cache(maxsize=256)
def _extent(key: tuple[int, str, str], node: str) -> frozenset[str]:
    paths = (
        Result.objects.filter(run_id=key[0], node=node)
        .exclude(unit_path="")
        .annotate(province=Substr("unit_path", 1, PROVINCE_PATH_LENGTH))
        .values_list("province", flat=True)
        .distinct()
    )
    return frozenset(paths)


def run_provinces(run: EvaluationRun) -> frozenset[str]:
    """The paths ("370000/") of the provinces whose units the run scored and ranked."""
    return _extent(_run_key(run), scheme_of(run.scheme_version).root.code)


def is_national(run: EvaluationRun) -> bool:
    """Did the run rank units of several provinces together (its `rank_all` is national)?"""
    return len(run_provinces(run)) > 1


def ranked_scope(run: EvaluationRun) -> str:
    """The code of the unit whose units the run ranked together: the unit it was started for,
    else the one province it ranked ("" for a run over several provinces, the nation's)."""
    if run.scope_code:
        return run.scope_code
    provinces = run_provinces(run)
    return scope_of_path(next(iter(provinces))) if len(provinces) == 1 else ""


def previous_run(run: EvaluationRun) -> EvaluationRun | None:
    """The latest published run of the same scheme, provinces and scope for the period before
    this one.

    Only a run over the same provinces is comparable: a national rank is not a provincial one;
    nor is a city's run comparable with its province's (its ranks and normalised scores are the
    city's alone). Only a published run is: a draft's figures must not show through a published
    table's changes.
    """
    return _published_comparable(run, Period.parse(run.period).previous().key)


def next_run(run: EvaluationRun) -> EvaluationRun | None:
    """The latest published run of the same scheme, provinces and scope for the period after
    this one (the run whose history ``run`` is, as ``previous_run`` reads it)."""
    return _published_comparable(run, Period.parse(run.period).next().key)


def _published_comparable(run: EvaluationRun, period: str) -> EvaluationRun | None:
    return comparable_published_runs(run, periods=[period]).get(period)


def period_order(key: str) -> tuple[object, object]:
    """Sort key of period keys: by start, then end (a year's year-to-date periods all start on
    1 January: 2024Q1-YTD, 2024Q2-YTD, 2024Q3-YTD by their ends)."""
    period = Period.parse(key)
    return (period.start, period.end)


def comparable_published_runs(
    run: EvaluationRun, *, periods: list[str] | None = None
) -> dict[str, EvaluationRun]:
    """Period -> the latest published run of the same scheme, provinces and scope (see
    ``previous_run``), for ``periods`` or every period of the run's kind (quarters for a
    quarter's run), in period order. ``run`` itself only where it is that latest one."""
    candidates = EvaluationRun.objects.filter(
        scheme_version__code=run.scheme_version.code,
        status=RunStatus.DONE,
        provisional=False,
        publication=Publication.PUBLISHED,
    )
    if periods is not None:
        candidates = candidates.filter(period__in=periods)
    kind = Period.parse(run.period).kind
    provinces, scope = run_provinces(run), ranked_scope(run)
    found: dict[str, EvaluationRun] = {}
    for c in candidates.select_related("scheme_version").order_by("-published_at", "-id"):
        if c.period in found or (periods is None and Period.parse(c.period).kind != kind):
            continue
        if run_provinces(c) == provinces and ranked_scope(c) == scope:
            found[c.period] = c
    return {p: found[p] for p in sorted(found, key=period_order)}


@lru_cache(maxsize=64)
def _ranks_in_province(key: tuple[int, str, str], node: str) -> dict[str, int]:
    rows = list(
        Result.objects.filter(run_id=key[0], node=node)
        .exclude(unit_path="")
        .values_list("unit_code", "unit_path", "score")
    )
    if not rows:
        return {}
    codes, paths, scores = zip(*rows, strict=True)
    groups = np.unique([p[:PROVINCE_PATH_LENGTH] for p in paths], return_inverse=True)[1]
    score = np.array([np.nan if s is None else s for s in scores], dtype=np.float64)
    ranks = rank_desc(score[:, None], groups.astype(np.int64))[:, 0]
    return {c: int(r) for c, r in zip(codes, ranks.tolist(), strict=True) if r == r}


def ranks_in_province(run: EvaluationRun, node: str) -> dict[str, int]:
    """A national run's units ranked within their province, by the engine's rank rule.

    The engine ranks a run within peer groups (`rank_peer`) and over all its units
    (`rank_all`); a run over the nation has no provincial rank of its own, so its stored scores
    are ranked within each province with the engine's `rank_desc` (the same "min" rule). A
    province's own run can rank its units differently, because it normalises over that
    province alone: the league table says which run its ranks come from.
    """
    return _ranks_in_province(_run_key(run), node)


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    city_code: str
    city_name: str
    score: float | None
    rank_peer: int | None  # in the peer group (the city)
    rank_all: int | None  # among all the run's units: the province, or the nation
    colour: str
    rank_q05: float | None
    rank_q95: float | None
    score_change: float | None
    rank_change: int | None  # positive: moved up the table
    rank_province: int | None = None
    rank_nation: int | None = None

    @property
    def arrow(self) -> str:
        change = self.rank_change if self.rank_change is not None else self.score_change
        if change is None or change == 0:
            return "→"
        return "↑" if change > 0 else "↓"


class Place(NamedTuple):
    """A city or province of the league's filter (a tuple: cached and read back cheaply)."""

    code: str
    name_zh: str
    path: str


@dataclass
class League:
    run: EvaluationRun
    scheme: Scheme
    visible: Visible
    root: Unit
    node: Node
    aspects: list[Node]
    cities: list[Place]
    # Empty until `fill_rows`; the league page takes its rows' HTML from the cache instead.
    rows: list[Row] = field(default_factory=list)
    previous: EvaluationRun | None = None
    national: bool = False  # the run ranked several provinces together: a "rank in nation"
    # For a scope above the provinces, the city filter is grouped: (province, its cities).
    provinces: list[tuple[Place, list[Place]]] = field(default_factory=list)
    # What the rows are made from (`fill_rows`): the unit filtered to, colour, sort order.
    within: Unit | None = None
    units_stamp: int | None = None  # `stamps`, as read when the league was made
    colour: str = ""
    sort: Sort = Sort.SCORE
    descending: bool = True


def _name(zh: str, en: str) -> str:
    return in_language(zh, en)


def league_table(
    *,
    run: EvaluationRun,
    user: Any,
    city: str = "",
    aspect: str = "",
    colour: str = "",
    sort: Sort = Sort.SCORE,
    descending: bool = True,
    with_rows: bool = True,
    root: Unit | None = None,
) -> League:
    """The run's units in the user's league scope, with what their role may see.

    With ``with_rows=False`` the rows are left empty, to be filled by `fill_rows` (or taken
    from the league cache, see templatetags/league_rows.py). ``root``: the user's scope root,
    when the caller has read it (`league_run`).
    """
    scheme = scheme_of(run.scheme_version)
    visible = visibility_for(user, scheme)
    root = root or scope_root(user)
    aspects = list(scheme.root.children)
    node = next((a for a in aspects if a.code == aspect), scheme.root)
    within = get_unit_for_user(user, city) if city else root
    if not within.path.startswith(root.path):
        raise Http404("No such unit")
    units_at, runs_at = stamps()  # before the units and runs they stamp are read
    cities: list[Place] = _cached(
        ("cities", root.path, units_at),
        lambda: [
            Place(*u)
            for u in Unit.objects.filter(path__startswith=root.path, level=Level.CITY)
            .order_by("code")
            .values_list(*Place._fields)
        ],
    )
    previous = _cached(("previous", _run_key(run), runs_at), lambda: previous_run(run))
    league = League(run, scheme, visible, root, node, aspects, cities, previous=previous)
    league.national = is_national(run)
    league.units_stamp = units_at
    if root.level == Level.NATION:
        league.provinces = _cached(
            ("provinces", root.path, units_at), lambda: _provinces_with_cities(cities)
        )
    sort, descending = allowed_sort(sort, descending, visible)
    league.within, league.colour, league.sort, league.descending = within, colour, sort, descending
    if with_rows:
        fill_rows(league)
    return league


def fill_rows(league: League) -> None:
    """The league's rows, filtered by colour and sorted, from the run's stored results."""
    run, visible, node = league.run, league.visible, league.node
    assert league.within is not None
    in_province = ranks_in_province(run, node.code) if league.national and visible.ranks else None
    rows = _rows(run, league.previous, node.code, league.within.path, visible, in_province)
    if league.colour and visible.colours:
        rows = [r for r in rows if r.colour == league.colour]
    league.rows = _sorted(rows, league.sort, league.descending, visible)


def stamps() -> tuple[int, str]:
    """Two stamps, read in one query: of the units, and of the finished runs.

    The units' stamp changes whenever any unit's name, parent, path, level or activity does:
    every write to a unit goes through the organisations services, which write an audit entry
    in the same transaction (`update_unit`, `load_units`; the demo's staff figures too), so the
    newest unit audit entry's id moves with every change a league row or filter could show.
    The runs' stamp (how many runs are finished, their ids' sum, the latest finish and
    publication) changes when a run finishes or is published, so the run a table is compared with (`previous_run`) is looked up
    again. Read the stamps before what they stamp: a change committed in between then yields
    a newer stamp than the data read, never an older one.
    """
    audit, runs = AuditEntry._meta.db_table, EvaluationRun._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {audit} WHERE model = %s), "  # noqa: S608 (names)
            f"COUNT(*), SUM(id), MAX(finished_at), MAX(published_at) FROM {runs} "
            "WHERE status = %s",
            [UNIT_AUDIT_MODEL, RunStatus.DONE.value],
        )
        units_at, done, ids, finished, published = cursor.fetchone()
    return units_at or 0, f"{done}/{ids}/{finished}/{published}"


def units_stamp() -> int:
    """The units' stamp of `stamps`."""
    return stamps()[0]


# What league_table reads that changes only with a stamp is kept in the "league" cache too.
def _cached(key: tuple[Any, ...], read: Callable[[], Any]) -> Any:
    cache = caches["league"]
    name = "league-part:" + hashlib.sha256(repr(key).encode()).hexdigest()
    found = cache.get(name, _MISSING)
    if found is _MISSING:
        found = read()
        cache.set(name, found)
    return found


_MISSING = object()


def _provinces_with_cities(cities: list[Place]) -> list[tuple[Place, list[Place]]]:
    provinces = [
        Place(*u)
        for u in Unit.objects.filter(level=Level.PROVINCE)
        .order_by("code")
        .values_list(*Place._fields)
    ]
    by_path: dict[str, list[Place]] = {}
    for city in cities:
        by_path.setdefault(city.path[:PROVINCE_PATH_LENGTH], []).append(city)
    return [(p, by_path.get(p.path, [])) for p in provinces]


_FIELDS = (
    "unit_path",
    "unit_code",
    "score",
    "rank_peer",
    "rank_all",
    "colour",
    "rank_q05",
    "rank_q95",
)


@lru_cache(maxsize=32)
def _stored(key: tuple[int, str, str], node: str) -> tuple[tuple[Any, ...], ...]:
    """A finished run's results for one node, read once per process: they never change."""
    rows = Result.objects.filter(run_id=key[0], node=node).order_by("unit_path")
    return tuple(rows.values_list(*_FIELDS))


def _rows(
    run: EvaluationRun,
    previous: EvaluationRun | None,
    node: str,
    path: str,
    visible: Visible,
    in_province: dict[str, int] | None,
) -> list[Row]:
    """The league's rows; `in_province` holds a national run's provincial ranks."""
    results = _stored(_run_key(run), node)
    before: dict[str, tuple[float | None, int | None]] = {}
    if previous is not None:
        before = {r[1]: (r[2], r[4]) for r in _stored(_run_key(previous), node)}
    # Names are read fresh: a unit may be renamed after the run.
    units = {
        u[0]: u
        for u in Unit.objects.filter(path__startswith=path, level=Level.GRASSROOTS).values_list(
            "code", "name_zh", "name_en", "parent__code", "parent__name_zh", "parent__name_en"
        )
    }
    rows = []
    in_english = english()  # as _name, once for the table
    for unit_path, code, score, rank_peer, rank_all, colour, q05, q95 in results:
        unit = units.get(code)
        if unit is None or not unit_path.startswith(path):
            continue
        _, name_zh, name_en, city_code, city_zh, city_en = unit
        old_score, old_rank = before.get(code, (None, None))
        rows.append(
            Row(
                code=code,
                name=(in_english and name_en) or name_zh,
                city_code=city_code or "",
                city_name=(in_english and city_en) or city_zh or "",
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
                rank_province=(
                    None
                    if not visible.ranks
                    else in_province.get(code)
                    if in_province is not None
                    else rank_all
                ),
                rank_nation=rank_all if visible.ranks and in_province is not None else None,
            )
        )
    return rows


def _diff(a: Any, b: Any) -> Any:
    return None if a is None or b is None else a - b


# Orders that do not follow the score: the only ones a role that may not see ranks gets.
UNRANKED_SORTS = frozenset({Sort.CODE, Sort.CITY})


def allowed_sort(sort: Sort, descending: bool, visible: Visible) -> tuple[Sort, bool]:
    """The order a role may see: a table sorted by score (or its change) is a ranking even
    without a rank column, so a role that may not see ranks gets unit-code order instead.

    >>> allowed_sort(Sort.SCORE, True, Visible(ranks=False, colours=True))
    (<Sort.CODE: 'code'>, False)
    """
    if visible.ranks or sort in UNRANKED_SORTS:
        return sort, descending
    return Sort.CODE, False


def _sorted(rows: list[Row], sort: Sort, descending: bool, visible: Visible) -> list[Row]:
    sort, descending = allowed_sort(sort, descending, visible)
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
        Sort.RANK_CHANGE: lambda r: (
            r.rank_change if r.rank_change is not None else missing_last,
            r.code,
        ),
    }
    return sorted(rows, key=keys[sort], reverse=descending)


def published_runs(scheme: str) -> QuerySet[EvaluationRun]:
    """Published (current, not superseded), non-provisional runs of ``scheme``, whichever
    version they used: what the rules built on runs may read."""
    return EvaluationRun.objects.filter(
        status=RunStatus.DONE,
        scheme_version__code=scheme,
        provisional=False,
        publication=Publication.PUBLISHED,
    ).select_related("scheme_version")


def scope_of_path(path: str) -> str:
    """The code of the province a unit path lies in ("370000/370100/" -> "370000"); "" for the
    nation (the empty path)."""
    return path.split("/", 1)[0]


def covers_scope(run: EvaluationRun, scope: str) -> bool:
    """Is the run one of ``scope`` (a province code, "" for the nation)? A run started for the
    scope is; a run given no scope (every unit: a folder, or intake without a scope) is when
    it ranked exactly that province's units (or, for the nation, more than one province).
    A run of a city, or a national run for a province, is not."""
    if run.scope_code:
        return run.scope_code == scope
    provinces = run_provinces(run)
    if not scope:
        return len(provinces) > 1
    return provinces == {scope + "/"}


def latest_published_runs(
    *, scheme: str, scope: str, periods: Iterable[str] | None = None
) -> dict[str, EvaluationRun]:
    """Period -> the published run of ``scheme`` of the scope ``scope`` (`covers_scope`), for
    each period (all published periods when None): the run every weak-unit rule reads."""
    runs = published_runs(scheme)
    if periods is not None:
        runs = runs.filter(period__in=list(periods))
    chosen: dict[str, EvaluationRun] = {}
    for run in runs.order_by("period", "-published_at", "-id"):
        if run.period not in chosen and covers_scope(run, scope):
            chosen[run.period] = run
    return chosen


def latest_published_run(user: Any) -> EvaluationRun | None:
    """The newest published run of the user's province this user may read (the workbench's
    "latest evaluation"): a city's run, even published later, is not the province's, and a
    later period is newer whatever its key spells (``2024-12`` is after ``2024Q3``). A user
    of the nation reads the national runs, else the newest run of any province."""
    root = league_root(user)
    if root is None:
        return None
    runs = list(runs_for(user).filter(status=RunStatus.DONE, publication=Publication.PUBLISHED))
    runs.sort(
        key=lambda r: (
            _period_end(r.period),
            r.published_at.timestamp() if r.published_at else 0.0,
            r.pk,
        ),
        reverse=True,
    )
    scope = scope_of_path(root.path)
    own = next((r for r in runs if covers_scope(r, scope)), None)
    if own is None and not scope:
        return runs[0] if runs else None
    return own


def _period_end(period: str) -> Any:
    """When a period ends (its key when it does not parse), for "the newest period"."""
    try:
        parsed = Period.parse(period)
    except ValueError:
        return (dt.date.min, period)
    return (parsed.end, "")


def colour_counts_by_city(
    run: EvaluationRun, root: Unit
) -> list[tuple[Unit, tuple[int, int, int]]]:
    """(city, (green, yellow, red)) of the run's grassroots units on its overall score, for
    the cities under ``root``. The caller checks that the reader may see colours."""
    scheme = scheme_of(run.scheme_version)
    cities = list(
        Unit.objects.filter(path__startswith=root.path, level=Level.CITY).order_by("code")
    )
    rows = Result.objects.filter(
        run=run, node=scheme.root.code, unit_path__startswith=root.path
    ).values_list("unit_path", "colour")
    tally: dict[str, list[int]] = {c.path: [0, 0, 0] for c in cities}
    slot = {"green": 0, "yellow": 1, "red": 2}
    for path, colour in rows:
        for city_path, counts in tally.items():
            if path.startswith(city_path) and path != city_path and colour in slot:
                counts[slot[colour]] += 1
    return [(c, (tally[c.path][0], tally[c.path][1], tally[c.path][2])) for c in cities]


@dataclass(frozen=True)
class Mover:
    unit_code: str
    unit: str  # its name in the page language
    score: float
    change: float  # overall score now minus in the previous period


def biggest_movers(
    user: Any, run: EvaluationRun, *, n: int | None = 3
) -> tuple[EvaluationRun | None, list[Mover], list[Mover]]:
    """The units under the reader's scope whose overall score rose and fell most since the
    previous period's published run of the same scheme: (that run, risers, fallers), ``n`` of
    each (None: all). Scores only, never ranks; an order by change is still an order, so
    where the province's ranking policy forbids ranking the workbench shows only how many
    rose and fell."""
    from grassroots.i18n import unit_name as name_of

    try:
        before = previous_run(run)  # of the same scope: a city's run is not comparable
    except ValueError:
        return None, [], []
    if before is None:
        return None, [], []
    node = scheme_of(run.scheme_version).root.code
    root = scope_root(user)

    def scores(of: EvaluationRun) -> dict[str, float]:
        rows = Result.objects.filter(
            run=of, node=node, unit_path__startswith=root.path, score__isnull=False
        ).values_list("unit_code", "score")
        return {code: float(score) for code, score in rows if score is not None}

    now, then = scores(run), scores(before)
    changes = {c: now[c] - then[c] for c in now if c in then}
    names = {u.code: name_of(u) for u in Unit.objects.filter(code__in=list(changes))}
    movers = [Mover(c, names.get(c, c), now[c], d) for c, d in changes.items()]
    up = sorted((m for m in movers if m.change > 0), key=lambda m: (-m.change, m.unit_code))
    down = sorted((m for m in movers if m.change < 0), key=lambda m: (m.change, m.unit_code))
    return before, up[:n], down[:n]
