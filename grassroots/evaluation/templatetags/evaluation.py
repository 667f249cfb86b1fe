"""Template helpers of the evaluation pages, in Python because they run once per table row:
an {% include %} per row made the province league table several times slower."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from grassroots.evaluation.charts import node_name
from grassroots.evaluation.models import EvaluationRun, SchemeVersion
from grassroots.evaluation.provenance import display_name
from grassroots.evaluation.schemes import scheme_of

register = template.Library()

MARKS = {"green": "●", "yellow": "▲", "red": "■", "grey": "○"}


def _label(colour: str) -> str:
    labels = {"green": _("Green"), "yellow": _("Yellow"), "red": _("Red"), "grey": _("No data")}
    return labels.get(colour, colour)


@register.filter
def colour_badge(colour: str) -> SafeString:
    """The colour as a shape and a word beside the hue (colour-blind readers need both)."""
    if not colour:
        return format_html('<span class="muted">{}</span>', "—")
    return format_html(
        '<span class="colour colour-{}"><span class="mark" aria-hidden="true">{}</span>{}</span>',
        colour,
        MARKS.get(colour, "○"),
        _label(colour),
    )


@register.filter
def scheme_label(version: SchemeVersion) -> str:
    """A scheme version by its title in the reader's language and its number ("核心业务评价方案
    （第 1 版）"); the code only when the scheme has no title."""
    title = display_name(version.title_zh, version.title_en) or version.code
    return _("%(title)s (version %(n)s)") % {"title": title, "n": version.version}


@register.filter
def with_code(url_template: str, code: object) -> str:
    """A URL reversed once with the placeholder CODE, filled in for each row."""
    return url_template.replace("CODE", str(code))


@register.filter
def node_label(code: str, run: EvaluationRun) -> str:
    """The name of a scheme node (indicator, aspect, total) of ``run``, in the reader's language;
    a code the scheme does not know is shown as it is."""
    for node, _depth in scheme_of(run.scheme_version).nodes():
        if node.code == code:
            return node_name(node)
    return code
