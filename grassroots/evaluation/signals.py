"""Signals the evaluation app sends, so apps that follow an evaluation (the weak-unit targets)
can react without the evaluation app importing them.

``run_finished(sender=EvaluationRun, run=run)`` is sent once a run's final status and results are
committed (done or failed); receivers check ``run.status``. A receiver's error is logged and never
undoes the run.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import Signal

logger = logging.getLogger(__name__)

run_finished = Signal()


def announce_finished(run: Any) -> None:
    """Send ``run_finished``; a failing receiver is logged, the run stays as it is."""
    for receiver, outcome in run_finished.send_robust(sender=type(run), run=run):
        if isinstance(outcome, Exception):
            logger.error(
                "run_finished receiver %r failed for run %s",
                receiver,
                run.pk,
                exc_info=(type(outcome), outcome, outcome.__traceback__),
            )
