from __future__ import annotations

from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "grassroots.assistance"
    label = "assistance"

    def ready(self) -> None:
        # Targets are checked against each finished evaluation run; evaluation must not import
        # us, so the step is registered with the run's follow-ups, which the service finishing a
        # run calls explicitly.
        from grassroots.assistance.targets import record_target_checks
        from grassroots.evaluation import followups

        followups.register("assistance-target-checks", record_target_checks)
