"""Party building and business assessed together (党建业务融合考核), issue 15: the engine's part.

Pure computation; the app ``grassroots/party`` holds the state (organisations, tasks, evidence,
stored reports) and calls these:

* :func:`parse_party_scheme`, :func:`load_party_scheme`, :func:`scheme_problems`: the scheme and
  its checks (weights add up, deduction items have a floor, colour bands are well formed);
* :func:`score_subject`: the weight tree with deductions and floors, one subject and month;
* :func:`accumulate`: months into a quarter; :func:`rank_of`, :func:`standings`: ranks and the
  three colours (rank bands or thresholds) with their reasons;
* :func:`periods_of`, :func:`due_dates`: the periods a plan's recurring tasks fall in.
"""

from __future__ import annotations

from grassroots.engine.party.periods import Recurrence, due_dates, months_of, quarter_of
from grassroots.engine.party.scheme import (
    SAMPLE,
    Node,
    NodeKind,
    PartyColour,
    PartyScheme,
    RankBand,
    Subject,
    list_party_schemes,
    load_party_scheme,
    parse_party_scheme,
    scheme_problems,
    shipped_text,
)
from grassroots.engine.party.scoring import (
    LeafInput,
    Scored,
    Standing,
    accumulate,
    rank_band_english,
    rank_of,
    score_subject,
    standings,
)

__all__ = [
    "SAMPLE",
    "LeafInput",
    "Node",
    "NodeKind",
    "PartyColour",
    "PartyScheme",
    "RankBand",
    "Recurrence",
    "Scored",
    "Standing",
    "Subject",
    "accumulate",
    "due_dates",
    "list_party_schemes",
    "load_party_scheme",
    "months_of",
    "parse_party_scheme",
    "quarter_of",
    "rank_band_english",
    "rank_of",
    "scheme_problems",
    "score_subject",
    "shipped_text",
    "standings",
]
