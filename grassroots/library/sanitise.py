"""Rich text the library keeps (case bodies, articles, brand plans): sanitised HTML only.

nh3 (the Ammonia sanitiser) keeps a small set of formatting tags and drops everything else:
scripts and styles with their content, event attributes, ``javascript:`` links, frames, forms.
"""

from __future__ import annotations

TAGS = frozenset(
    [
        "p",
        "br",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "blockquote",
        "pre",
        "code",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "a",
        "hr",
        "span",
    ]
)
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def clean(html: str) -> str:
    """``html`` with only the allowed tags and attributes; links get rel="noopener noreferrer"."""
    import nh3

    return nh3.clean(
        html or "",
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()
