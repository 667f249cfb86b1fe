from __future__ import annotations

from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "grassroots.assistance"
    label = "assistance"

    def ready(self) -> None:
        # Targets are checked against each new evaluation run (evaluation must not import us).
        from grassroots.assistance.targets import on_run_finished
        from grassroots.evaluation.signals import run_finished

        run_finished.connect(on_run_finished, dispatch_uid="assistance-target-checks")
