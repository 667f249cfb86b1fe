"""Computing an assessment: the engine's per-person scores, stored month by month.

Filled in once the engine's individual assessment (``grassroots/engine/individual.py``) is
merged; until then computing is refused with a message.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from grassroots.people.models import AssessmentPeriod


class ComputeRefused(Exception):
    """The assessment cannot be computed now; the message says why, in the page's language."""


def compute_assessment(*, assessment: AssessmentPeriod, actor: Any) -> None:
    raise ComputeRefused(_("the individual assessment engine is not available yet"))
