from __future__ import annotations

from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "grassroots.evaluation"
    label = "evaluation"

    def ready(self) -> None:
        # Warnings are recorded for each finished run until runs are published; then the
        # publishing service calls record_warnings(run=...) itself.
        from grassroots.evaluation import followups
        from grassroots.evaluation.warnings import record_warnings

        followups.register("evaluation-warnings", lambda run: record_warnings(run=run))
