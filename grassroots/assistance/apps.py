from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "grassroots.assistance"
    label = "assistance"

    def ready(self) -> None:
        # Targets are checked against each finished evaluation run; evaluation must not import
        # us, so the step is registered with the run's follow-ups, which the service finishing a
        # run calls explicitly.
        # Imported when a run is published, not when Django starts (the targets need the engine's
        # pipeline: pandas, scipy, DuckDB), issue 20.4.
        from grassroots.evaluation import followups

        followups.register("assistance-target-checks", _record_target_checks)
        # Notifications: measures due and overdue (a scan the runs worker calls on every round)
        # and relapse warnings once a run is published.
        from grassroots.assistance import notices
        from grassroots.notifications import scans

        scans.register("assistance-measures", notices.scan_measures)
        followups.register("assistance-relapse-notices", notices.tell_relapses)


def _record_target_checks(run: Any) -> None:
    from grassroots.assistance.targets import record_target_checks

    record_target_checks(run)
