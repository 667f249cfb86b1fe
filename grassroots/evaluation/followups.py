"""What runs after an evaluation run is published: an explicit, ordered list of steps.

The evaluation app must not import the apps that follow it (assistance checks its weak-unit
targets against each finished run), so each such app adds its step here from its
``AppConfig.ready()``; the service that publishes a run (``publication.publish_run``) calls
``follow_up(run)`` once the publication is committed. Unlike a signal, the steps are named,
listed in one place (``registered()``) and called by one visible line of the finishing service.
A failing step is logged and never undoes the run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from grassroots.evaluation.models import EvaluationRun

logger = logging.getLogger(__name__)

FollowUp = Callable[[EvaluationRun], Any]
_STEPS: dict[str, FollowUp] = {}


def register(name: str, step: FollowUp) -> None:
    """Add ``step`` under ``name`` (registering a name again replaces its step)."""
    _STEPS[name] = step


def registered() -> dict[str, FollowUp]:
    """The steps, by name, in the order they run."""
    return dict(_STEPS)


def follow_up(run: EvaluationRun) -> None:
    """Run every registered step for a finished run (done or failed); steps check its status."""
    for name, step in list(_STEPS.items()):
        try:
            step(run)
        except Exception:
            logger.exception("follow-up %r failed for run %s", name, run.pk)
