from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "grassroots.evaluation"
    label = "evaluation"

    def ready(self) -> None:
        # Warnings are stored when the province publishes a run (publication.publish_run calls
        # the follow-ups after its commit), never for a draft or provisional run.
        # The step imports its module when a run is published, not when Django starts: the
        # warnings need pandas and the engine's scoring (scipy), which a command that computes
        # nothing should not pay for (issue 20.4).
        from grassroots.evaluation import followups

        followups.register("evaluation-warnings", _record_warnings)
        # Then each user whose units got warnings is told (grassroots/notifications).
        followups.register("evaluation-warning-notices", _tell_warnings)


def _record_warnings(run: Any) -> None:
    from grassroots.evaluation.notices import tell_warnings
    from grassroots.evaluation.warnings import record_warnings_on_publication

    # An earlier period published after a later one: the later runs' warnings are recomputed,
    # and their users told of the new or changed ones only.
    for later, changed in record_warnings_on_publication(run=run):
        if changed:
            tell_warnings(later, only=changed)


def _tell_warnings(run: Any) -> None:
    from grassroots.evaluation.notices import tell_warnings

    tell_warnings(run)
