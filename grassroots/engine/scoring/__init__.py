"""Normalisation, aggregation, ranking and colouring of indicator values (see docs/schemes.md).

``evaluate`` is the entry point; ``assess_checklist`` evaluates checklist schemes such as the
weak-unit exit standard from evaluation results of several periods.
"""

from __future__ import annotations

from grassroots.engine.scoring.checklist import ItemStatus, assess_checklist
from grassroots.engine.scoring.core import Flag, ScoringOptions, evaluate

__all__ = ["Flag", "ItemStatus", "ScoringOptions", "assess_checklist", "evaluate"]
