from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "grassroots.reports"
    label = "reports"

    def ready(self) -> None:
        # Pages follow the province's ranking policy: in analysis mode no page shows ranks.
        # Evaluation must not import us, so the policy is registered with its rank visibility.
        from grassroots.evaluation import background, followups, permissions

        permissions.register_rank_policy("reports-ranking-policy", _pages_show_ranks)
        # Publishing a run queues the draft bulletin; the worker makes it (`reports.drafts`).
        followups.register("reports-draft-bulletin", _queue_draft_bulletin)
        # The worker between runs: documents asked for on the reports page, then the drafts.
        background.register("reports-documents", _make_queued_documents)
        background.register("reports-draft-bulletins", _make_queued_drafts)


def _pages_show_ranks(user: Any) -> bool:
    from grassroots.reports.selectors import pages_show_ranks

    return pages_show_ranks(user)


def _queue_draft_bulletin(run: Any) -> None:
    from grassroots.reports.drafts import queue_draft_bulletin

    queue_draft_bulletin(run)


def _make_queued_documents() -> int:
    from grassroots.reports.jobs import make_queued_documents

    return make_queued_documents()


def _make_queued_drafts() -> int:
    from grassroots.reports.drafts import make_queued_drafts

    return len(make_queued_drafts())
