"""Early warnings from two consecutive runs: what changed for the worse, and what looks gamed.

Each warning names its unit, indicator (if any) and the evidence, and links to the unit's
profile, where the numbers behind it are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grassroots.evaluation.charts import unit_name
from grassroots.evaluation.models import EvaluationRun
from grassroots.evaluation.permissions import Visible
from grassroots.evaluation.selectors import previous_run
from grassroots.organisations.models import Level, Unit

RANK_DROP_THRESHOLD = 20  # places in the province table, quarter on quarter
# The gaming the literature describes: the case-to-procedure ratio improves (falls) because
# remands and extensions stop being recorded, not because cases move faster.
GAMING_RATIO = "case_procedure_ratio"
GAMING_VANISHING = ("remand_rate", "extension_rate")


class Kind(StrEnum):
    NEWLY_RED = "newly_red"
    RED_AGAIN = "red_again"
    RANK_DROP = "rank_drop"
    BOTTOM_TIER = "bottom_tier"
    MISSING = "missing"
    SUSPICIOUS = "suspicious"


KIND_LABELS = {
    Kind.NEWLY_RED: _("Newly red"),
    Kind.RED_AGAIN: _("Red for two or more periods"),
    Kind.RANK_DROP: _("Rank drop"),
    Kind.BOTTOM_TIER: _("Into the bottom tier"),
    Kind.MISSING: _("Missing data"),
    Kind.SUSPICIOUS: _("Suspicious pattern"),
}


@dataclass(frozen=True)
class Warning:
    kind: Kind
    unit_code: str
    unit_name: str
    node: str
    evidence: str

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _colour_word(colour: str) -> str:
    """The colour as its mark and word in the reader's language ("■ 红"), or a dash if none."""
    words = {
        "red": "■ " + gettext("Red"),
        "yellow": "▲ " + gettext("Yellow"),
        "green": "● " + gettext("Green"),
        "grey": "○ " + gettext("Grey"),
    }
    return words.get(colour, colour or "—")


Cells = dict[tuple[str, str], tuple[float | None, float | None, int | None, str]]


def _cells(run: EvaluationRun | None, path: str) -> Cells:
    if run is None:
        return {}
    rows = run.results.filter(unit_path__startswith=path).values_list(
        "unit_code", "node", "value", "score", "rank_all", "colour"
    )
    return {(c, n): (v, s, r, col) for c, n, v, s, r, col in rows}


def early_warnings(*, run: EvaluationRun, root: str, path: str, visible: Visible) -> list[Warning]:
    """Warnings for the units under ``path``; colour- and rank-based ones only if visible."""
    before = previous_run(run)
    now, then = _cells(run, path), _cells(before, path)
    names = {
        code: unit_name(zh, en)
        for code, zh, en in Unit.objects.filter(
            path__startswith=path, level=Level.GRASSROOTS
        ).values_list("code", "name_zh", "name_en")
    }
    previous = before.period if before else ""
    found: list[Warning] = []
    for (code, node), cell in sorted(now.items()):
        if code in names:
            found += _cell_warnings(
                code,
                names[code],
                node,
                cell,
                then.get((code, node)),
                root=root,
                visible=visible,
                previous=previous,
            )
    found += _suspicious(now, then, names)
    return found


def _cell_warnings(
    code: str,
    name: str,
    node: str,
    cell: tuple[float | None, float | None, int | None, str],
    old: tuple[float | None, float | None, int | None, str] | None,
    *,
    root: str,
    visible: Visible,
    previous: str,
) -> list[Warning]:
    _value, score, rank, colour = cell
    found = []
    if node != root:
        if score is None:
            found.append(Warning(Kind.MISSING, code, name, node, str(_("no value this period"))))
        if visible.colours and colour == "red" and old is not None:
            if old[3] == "red":
                found.append(
                    Warning(
                        Kind.RED_AGAIN,
                        code,
                        name,
                        node,
                        f"{previous}: {_colour_word('red')} → {_colour_word('red')}",
                    )
                )
            else:
                found.append(
                    Warning(
                        Kind.NEWLY_RED,
                        code,
                        name,
                        node,
                        f"{_colour_word(old[3])} → {_colour_word('red')}",
                    )
                )
        return found
    if visible.colours and colour == "red" and old is not None and old[3] != "red":
        found.append(
            Warning(
                Kind.BOTTOM_TIER,
                code,
                name,
                node,
                f"{_colour_word(old[3])} → {_colour_word('red')}",
            )
        )
    dropped = (
        visible.ranks
        and old is not None
        and rank is not None
        and old[2] is not None
        and rank - old[2] >= RANK_DROP_THRESHOLD
    )
    if dropped and old is not None:
        found.append(Warning(Kind.RANK_DROP, code, name, node, f"{old[2]} → {rank}"))
    return found


def _suspicious(now: Cells, then: Cells, names: dict[str, str]) -> list[Warning]:
    found = []
    for code, name in names.items():
        ratio_now, ratio_then = now.get((code, GAMING_RATIO)), then.get((code, GAMING_RATIO))
        if ratio_now is None or ratio_then is None or None in (ratio_now[0], ratio_then[0]):
            continue
        if not ratio_now[0] < ratio_then[0]:  # type: ignore[operator]
            continue
        vanished = []
        for node in GAMING_VANISHING:
            a, b = now.get((code, node)), then.get((code, node))
            if a is not None and b is not None and b[0] and a[0] == 0:
                vanished.append(f"{node} {b[0]:.1f} → 0")
        if len(vanished) == len(GAMING_VANISHING):
            evidence = f"{GAMING_RATIO} {ratio_then[0]:.2f} → {ratio_now[0]:.2f}; " + "; ".join(
                vanished
            )
            found.append(Warning(Kind.SUSPICIOUS, code, name, GAMING_RATIO, evidence))
    return found
