"""The individual assessment of prosecutors and other staff (检察官业绩考评 / 检察人员考核), issue 14.

The engine computes; the app ``people`` holds state (rosters, entered items, objections). Public
API (stable; see ``docs/people-engine.md``):

* :func:`parse_individual_scheme`, :func:`load_individual_scheme` (registered names only),
  :func:`list_individual_schemes` and the :class:`IndividualScheme` they return;
* :func:`parse_coefficients`, :func:`load_coefficients`, :class:`CoefficientTable`;
* :func:`person_elements`: per-person, per-month elements from case records (DuckDB);
* :func:`score_people`: items, components, totals, grades, ranks and bands per period.

>>> sorted(list_individual_schemes())
['assistant-2021', 'prosecutor-2021']
"""

from __future__ import annotations

from grassroots.engine.individual.coefficients import (
    WORK_TYPES,
    CoefficientTable,
    list_coefficients,
    load_coefficients,
    parse_coefficients,
)
from grassroots.engine.individual.elements import (
    ELEMENT_COLUMNS,
    ELEMENTS,
    INDICATORS,
    Indicator,
    person_elements,
)
from grassroots.engine.individual.scheme import (
    MIN_PERFORMANCE_SHARE,
    Band,
    Component,
    ComponentKind,
    Grade,
    IndividualScheme,
    Item,
    Method,
    Source,
    Viewer,
    Visibility,
    list_individual_schemes,
    load_individual_scheme,
    parse_individual_scheme,
)
from grassroots.engine.individual.scoring import KINDS, RESULT_COLUMNS, period_months, score_people

__all__ = [
    "ELEMENTS",
    "ELEMENT_COLUMNS",
    "INDICATORS",
    "KINDS",
    "MIN_PERFORMANCE_SHARE",
    "RESULT_COLUMNS",
    "WORK_TYPES",
    "Band",
    "CoefficientTable",
    "Component",
    "ComponentKind",
    "Grade",
    "IndividualScheme",
    "Indicator",
    "Item",
    "Method",
    "Source",
    "Viewer",
    "Visibility",
    "list_coefficients",
    "list_individual_schemes",
    "load_coefficients",
    "load_individual_scheme",
    "parse_coefficients",
    "parse_individual_scheme",
    "period_months",
    "person_elements",
    "score_people",
]
