"""Other apps' queued work that the evaluation worker (`grassroots runs work`) does between
runs: the documents the reports page asks for, the draft bulletins of published runs.

Evaluation must not import the apps above it, so each registers its job here from its
``AppConfig.ready()``; the worker's loop calls ``run_jobs()`` once a round. A job makes what is
queued (a few items at most, so runs are not held up for long) and returns how many it made. It
runs outside any transaction, so the progress it writes is seen by the pages as it goes; a
failing job is logged and the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

Job = Callable[[], int]
_JOBS: dict[str, Job] = {}


def register(name: str, job: Job) -> None:
    """Add ``job`` under ``name`` (registering a name again replaces it)."""
    _JOBS[name] = job


def registered() -> dict[str, Job]:
    return dict(_JOBS)


def run_jobs() -> dict[str, int]:
    """Call every registered job once; what each made (a failed job is logged and left out)."""
    done: dict[str, int] = {}
    for name, job in list(_JOBS.items()):
        try:
            done[name] = job()
        except Exception:
            logger.exception("background job %r failed", name)
    return done
