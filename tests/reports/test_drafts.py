"""Issue 12.5: publishing a run queues its draft bulletin (a step of the run's follow-ups that
the reports app registers); the background worker makes it, not the publishing request."""

from __future__ import annotations

import io

import docx

from grassroots.evaluation import followups
from grassroots.evaluation.publication import publish_run
from grassroots.evaluation.runs import run_evaluation
from grassroots.evaluation.schemes import latest_scheme_version
from grassroots.reports.drafts import make_queued_drafts
from grassroots.reports.models import Document, DraftJob, DraftStatus
from grassroots.reports.services import read_document


def test_publishing_queues_the_draft_and_the_worker_makes_it(
    world, report_cases, django_capture_on_commit_callbacks
) -> None:
    assert "reports-draft-bulletin" in followups.registered()
    run = run_evaluation(
        scheme_version=latest_scheme_version("core-business"),
        period="2024Q4",
        source=report_cases,
        actor=None,
        sensitivity=0,
    )
    before = Document.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        publish_run(run=run, actor=world["admin"])
    job = DraftJob.objects.get(run=run)
    assert (job.status, job.province.code, job.period) == (DraftStatus.QUEUED, "370000", "2024Q4")
    assert Document.objects.count() == before  # nothing made inside the request

    assert make_queued_drafts() == [job]
    job.refresh_from_db()
    assert job.status == DraftStatus.DONE, job.error
    document = job.document
    assert document is not None
    assert (document.product, document.format, document.runs["run"]) == ("bulletin", "docx", run.pk)
    assert document.generated_by is None
    text = [p.text for p in docx.Document(io.BytesIO(read_document(document))).paragraphs]
    assert "季度检察业务数据通报" in text
    assert make_queued_drafts() == []  # made once
