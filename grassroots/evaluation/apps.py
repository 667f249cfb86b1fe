from __future__ import annotations

from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "grassroots.evaluation"
    label = "evaluation"

    def ready(self) -> None:
        # Warnings are stored when the province publishes a run (publication.publish_run calls
        # the follow-ups after its commit), never for a draft or provisional run.
        from grassroots.evaluation import followups
        from grassroots.evaluation.warnings import record_warnings

        followups.register("evaluation-warnings", lambda run: record_warnings(run=run))
