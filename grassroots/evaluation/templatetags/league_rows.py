"""The league table's rows, rendered in Python.

The national table has about 3,000 rows of ten cells. In the template language each row cost
~0.2 ms of variable lookups and ``floatformat``, and even ``format_html`` per cell (lazy
wrappers, ``conditional_escape``) cost ~0.1 ms: together over half a second for the nation.
This tag writes the same HTML with f-strings, every text value escaped with ``html.escape``
(the same five characters Django's ``escape`` replaces), translated labels and colour badges
made once per table, and numbers formatted as ``floatformat`` does (half up, no "-0"). Every
row is still shown.

Even so the nation's rows take ~50 ms to build and write, and under load that is most of a
request. A finished run never changes, so `cached_rows` keeps the rows' HTML in the "league"
cache (settings.CACHES), keyed on everything the rows are made from: the run and the run it
is compared with, the aspect, the scope root and the unit filtered to, what the role may see
(ranks, colours), the colour filter and sort order, the language, and the units' stamp (the
newest unit audit entry: a renamed or moved unit changes it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any

from django import template
from django.core.cache import caches
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

from grassroots.evaluation.selectors import League, Row, Sort, fill_rows, units_stamp
from grassroots.evaluation.templatetags.evaluation import MARKS, colour_badge

register = template.Library()

LEAGUE_CACHE = "league"
# Part of every key: bump it when the rows' HTML changes, so no cache serves the old form.
ROWS_FORMAT = 4  # bump when the rows' HTML changes
TABLE_FORMAT = 1  # and this when the filters' and table's template changes

DASH = "—"


def fixed(value: float | None, places: int) -> str:
    """``value|floatformat:places`` for places >= 0: half up, and never "-0.0".

    >>> fixed(72.25, 1), fixed(-0.04, 1), fixed(3.5, 0), fixed(None, 1)
    ('72.3', '0.0', '4', '—')
    """
    if value is None:
        return DASH
    # floatformat rounds the shortest decimal form half up; formatting the float rounds its
    # binary value. The two differ only near a tie (72.25 is a hair below 72.25 in binary),
    # so only near-ties take the exact (and ~5x slower) Decimal way.
    scaled = value * 10 ** (places + 1)
    nearest = round(scaled)
    if nearest % 10 == 5 and abs(scaled - nearest) <= 1e-6 * max(1.0, abs(scaled)):
        d = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
        return f"{d if d else abs(d):f}"
    text = f"{value:.{places}f}"
    return text[1:] if text[0] == "-" and not text.strip("-0.") else text


def _rank(value: int | None) -> str:
    return DASH if value is None else str(value)


def _rank_change(row: Row, places: tuple[str, str], same: str) -> str:
    """The places moved in the province table: "↑ 2 places", "持平" for none, "—" unknown.
    ``places``: the "CODE place" and "CODE places" labels (singular, plural)."""
    if row.rank_change is None:
        return f'<td class="num">{DASH}</td>'
    if row.rank_change == 0:
        return f'<td class="num change-none">{same}</td>'
    n = abs(row.rank_change)
    up = row.rank_change > 0
    moved = places[0 if n == 1 else 1].replace("CODE", str(n))
    arrow = "↑" if up else "↓"
    return (
        f'<td class="num change-{"up" if up else "down"}">'
        f'<span aria-hidden="true">{arrow}</span> {moved}</td>'
    )


def _score_change(row: Row, same: str) -> str:
    """The score's change with its sign ("+1.5", "-0.8"); "持平" when it rounds to 0.0."""
    if row.score_change is None:
        return f'<td class="num">{DASH}</td>'
    score = fixed(row.score_change, 1)
    if not score.strip("-0."):
        return f'<td class="num change-none">{same}</td>'
    up = row.score_change > 0
    return f'<td class="num change-{"up" if up else "down"}">{"+" if up else ""}{score}</td>'


def _row_writer(league: League) -> Callable[[Row], str]:
    """A function writing one row's HTML, with what is the same for every row worked out once."""
    profile_url = escape(reverse("evaluation:unit-profile", args=[league.run.pk, "CODE"]))
    singular, plural = (
        escape(ngettext("%(n)s place", "%(n)s places", count) % {"n": "CODE"}) for count in (1, 2)
    )
    places = (singular, plural)
    same = escape(pgettext("change", "Unchanged"))
    badges = {c: str(colour_badge(c)) for c in ("", *MARKS)}
    ranks, colours, national = league.visible.ranks, league.visible.colours, league.national

    def write(row: Row) -> str:
        code = escape(row.code)
        cells = [
            f'<td>{code}</td><td><a href="{profile_url.replace("CODE", code)}">'
            f"{escape(row.name)}</a></td><td>{escape(row.city_name)}</td>"
            f'<td class="num">{fixed(row.score, 1)}</td>'
        ]
        if ranks:
            shown = [row.rank_peer, row.rank_province] + ([row.rank_nation] if national else [])
            cells += [f'<td class="num">{_rank(r)}</td>' for r in shown]
            interval = (
                f"{fixed(row.rank_q05, 0)}–{fixed(row.rank_q95, 0)}"
                if row.rank_q05 is not None
                else DASH
            )
            cells.append(f'<td class="num">{interval}</td>')
        if colours:
            badge = badges.get(row.colour) or str(colour_badge(row.colour))
            cells.append(f"<td>{badge}</td>")
        if ranks:  # no rank change where ranks are not shown (analysis mode, roles)
            cells.append(_rank_change(row, places, same))
        cells.append(_score_change(row, same))
        return "<tr>" + "".join(cells) + "</tr>"

    return write


@register.simple_tag
def league_rows(league: League) -> SafeString:
    """The table body's rows (``<tr>``), or one row saying nothing matched."""
    if not league.rows:
        return format_html('<tr><td colspan="10" class="muted">{}</td></tr>', _("No units match."))
    write = _row_writer(league)
    return mark_safe("\n".join(write(row) for row in league.rows))  # noqa: S308 (escaped above)


@register.simple_tag
def city_options(league: League, selected: str) -> SafeString:
    """The city filter's options: the cities, or for the nation each province with its cities.

    The nation has ~340 cities; written in the template language they cost ~5 ms a request.
    """

    def option(code: str, name: str) -> str:
        chosen = " selected" if code == selected else ""
        return f'<option value="{escape(code)}"{chosen}>{escape(name)}</option>'

    if league.provinces:
        html = "".join(
            f'<optgroup label="{escape(province.name_zh)}">'
            + option(province.code, province.name_zh)
            + "".join(option(city.code, city.name_zh) for city in cities)
            + "</optgroup>"
            for province, cities in league.provinces
        )
    else:
        html = "".join(option(city.code, city.name_zh) for city in league.cities)
    return mark_safe(html)  # noqa: S308 (escaped above)


# The order a column sorts in first (the other on a second click), and the sorts whose
# "descending" lists the smallest numbers first (rank 1 at the top).
FIRST_ORDER = {Sort.CODE: "asc", Sort.CITY: "asc"}
NUMBERS_REVERSED = frozenset({Sort.RANK})


@register.simple_tag(takes_context=True)
def sort_header(
    context: template.Context, league: League, key: str, label: str, num: bool = False
) -> SafeString:
    """A sortable column's header: a link that sorts by it (and, when it is the current sort,
    reverses it), ``aria-sort`` and an arrow on the current column. Works without JavaScript.

    The page is server-sorted (3,000 rows, cached): the link is the control.
    """
    sort = Sort(key)
    current = league.sort == sort
    order = FIRST_ORDER.get(sort, "desc")
    if current:
        order = "asc" if league.descending else "desc"
    query = context["request"].GET.copy()
    query["sort"], query["order"] = sort.value, order
    query.pop("page", None)
    aria, arrow = "", "↕"  # aria-sort on the sorted column only (WAI-ARIA)
    if current:
        ascending = league.descending == (sort in NUMBERS_REVERSED)
        aria, arrow = (
            (' aria-sort="ascending"', "▲") if ascending else (' aria-sort="descending"', "▼")
        )
    return format_html(
        '<th scope="col" class="sortable{}"{}><a class="sort" href="?{}">{}'
        '<span class="sort-arrow" aria-hidden="true">{}</span></a></th>',
        " num" if num else "",
        mark_safe(aria),  # noqa: S308 (a constant)
        query.urlencode(),
        label,
        arrow,
    )


def rows_key(league: League, stamp: int) -> str:
    """The cache key of the league's rows: everything they are made from, and nothing else.

    The user enters only through what decides their rows: the scope root and unit filtered
    to, and whether their role sees ranks and colours, so two users who may see the same
    table share one entry and a user who may not see ranks never gets a table with them.
    """
    run, previous, visible = league.run, league.previous, league.visible
    assert league.within is not None
    parts = (
        ROWS_FORMAT,
        (run.pk, run.input_hash, str(run.finished_at)),
        previous and (previous.pk, previous.input_hash, str(previous.finished_at)),
        league.node.code,
        league.national,
        league.root.path,
        league.within.path,
        visible.ranks,
        visible.colours,
        league.colour if visible.colours else "",
        str(league.sort),
        league.descending,
        get_language() or "",
        get_script_prefix(),
        stamp,
    )
    return "league-rows:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def table_key(league: League, stamp: int, request: HttpRequest, may_export: bool) -> str:
    """The cache key of the filters and table (`cached_table`): the rows' key (`rows_key`: run,
    compared run, aspect, scope root, unit filtered to, what the role sees, colour, order,
    language, units' stamp) and what else the part shows: the query string its filter form,
    sort links and export links are made from, and whether the user may export."""
    parts = (TABLE_FORMAT, rows_key(league, stamp), request.GET.urlencode(), may_export)
    return "league-table:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_table(
    request: HttpRequest, league: League, context: dict[str, Any]
) -> tuple[SafeString, int]:
    """The league page's filters and table (``evaluation/_league_table.html``) as HTML, and
    how many rows it has: rendered once per key (`table_key`) and then taken from the cache.

    The part shows nothing of the user but what the key names (scope, role's visibility, may
    export), no CSRF token and no message: the rest of the page is rendered on every request.
    ``context``: the page's context (``filters``, ``may_export``, ...).
    """
    cache = caches[LEAGUE_CACHE]
    stamp = league.units_stamp if league.units_stamp is not None else units_stamp()
    key = table_key(league, stamp, request, bool(context["may_export"]))
    found = cache.get(key)
    if found is None:
        rows_html, row_count = cached_rows(league)
        html = render_to_string(
            "evaluation/_league_table.html",
            {**context, "league": league, "rows_html": rows_html},
            request,
        )
        found = (html, row_count)
        cache.set(key, found)
    html, count = found
    return mark_safe(html), count  # noqa: S308 (rendered by the template engine)


def cached_rows(league: League) -> tuple[SafeString, int]:
    """The league's rows as HTML and how many there are, from the cache when it has them.

    On a miss the rows are built (`fill_rows`), written and stored; on a hit `league.rows`
    stays empty. The units' stamp was read before the units are (`league_table`, `stamps`).
    """
    cache = caches[LEAGUE_CACHE]
    stamp = league.units_stamp if league.units_stamp is not None else units_stamp()
    key = rows_key(league, stamp)
    found = cache.get(key)
    if found is None:
        fill_rows(league)
        found = (str(league_rows(league)), len(league.rows))
        cache.set(key, found)
    html, count = found
    return mark_safe(html), count  # noqa: S308 (written, escaped, by league_rows)
