from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "grassroots.reports"
    label = "reports"

    def ready(self) -> None:
        # Pages follow the province's ranking policy: in analysis mode no page shows ranks.
        # Evaluation must not import us, so the policy is registered with its rank visibility.
        from grassroots.evaluation import followups, permissions

        permissions.register_rank_policy("reports-ranking-policy", _pages_show_ranks)
        # Publishing a run queues the draft bulletin; the worker makes it (`reports.drafts`).
        followups.register("reports-draft-bulletin", _queue_draft_bulletin)


def _pages_show_ranks(user: Any) -> bool:
    from grassroots.reports.selectors import pages_show_ranks

    return pages_show_ranks(user)


def _queue_draft_bulletin(run: Any) -> None:
    from grassroots.reports.drafts import queue_draft_bulletin

    queue_draft_bulletin(run)
