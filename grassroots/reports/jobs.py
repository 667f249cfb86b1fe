"""Documents asked for on the reports page, made in the background.

The request checks what it can at once (`services.check_request`: scope, period, template,
a published run) and queues a `DocumentJob`; the background worker (`grassroots runs work`,
which calls the job `ReportsConfig.ready()` registers with `evaluation.background`) claims it,
makes the document with `generate_document` as the user who asked (their scope again), and
writes the step and percent on the job as it goes, which the page polls. A failure keeps its
message in the language of whoever asked, and stores no document.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grassroots.organisations import audit
from grassroots.organisations.models import AuditAction, Unit
from grassroots.reports.errors import ReportError
from grassroots.reports.models import DocumentJob, DraftStatus, JobStep
from grassroots.reports.services import check_request, generate_document

logger = logging.getLogger(__name__)
# A running job whose worker has written nothing for this long lost its worker (killed,
# restarted): the longest step, rendering a national PDF, takes well under a minute.
STALE_AFTER = dt.timedelta(minutes=10)
# Jobs made per round of the worker: runs queued meanwhile wait at most this many documents.
PER_ROUND = 3


def queue_document(
    *, product: str, scope: Unit, period: str, fmt: str, user: Any, language: str
) -> DocumentJob:
    """Check the request at once (a bad one raises `ReportError`, nothing queued) and queue it
    for the background worker; audited as the user's."""
    check_request(product=product, scope=scope, period=period, fmt=fmt, user=user)
    now = timezone.now()
    with transaction.atomic():
        job = DocumentJob(
            product=product,
            scope=scope,
            period=period,
            format=fmt,
            language=language,
            requested_by=user,
            queued_at=now,
            updated_at=now,
        )
        job.save()
        audit.record(
            obj=job, action=AuditAction.CREATE, actor=user, before=None, after=audit.snapshot(job)
        )
    return job


def make_queued_documents(limit: int = PER_ROUND) -> int:
    """Make up to ``limit`` queued documents, oldest first (the worker's job). A job is claimed
    (queued -> running) before it is made, so two workers never make the same one."""
    _fail_stale()
    made = 0
    queued = DocumentJob.objects.filter(status=DraftStatus.QUEUED).order_by("id")
    for pk in list(queued.values_list("pk", flat=True)[:limit]):
        now = timezone.now()
        claimed = DocumentJob.objects.filter(pk=pk, status=DraftStatus.QUEUED).update(
            status=DraftStatus.RUNNING, updated_at=now
        )
        if claimed:
            make_document(DocumentJob.objects.select_related("scope", "requested_by").get(pk=pk))
            made += 1
    return made


def make_document(job: DocumentJob) -> DocumentJob:
    """Make a claimed job's document, its progress written on the job step by step."""

    def progress(step: str, percent: int) -> None:
        DocumentJob.objects.filter(pk=job.pk).update(
            step=step, percent=percent, updated_at=timezone.now()
        )

    with translation.override(job.language):
        try:
            job.document = generate_document(
                product=job.product,
                scope=job.scope,
                period=job.period,
                fmt=job.format,
                actor=job.requested_by,
                progress=progress,
            )
        except ReportError as exc:
            job.status, job.error = DraftStatus.FAILED, str(exc)
        except Exception as exc:  # logged; the page says it failed, the worker goes on
            logger.exception("document job %s failed", job.pk)
            job.status = DraftStatus.FAILED
            job.error = _("The document could not be made (%(error)s). Nothing was stored.") % {
                "error": type(exc).__name__
            }
        else:
            job.status, job.step, job.percent = DraftStatus.DONE, JobStep.DONE, 100
    job.finished_at = job.updated_at = timezone.now()
    job.save(update_fields=["document", "status", "step", "percent", "error", "finished_at",
                            "updated_at"])  # fmt: skip
    return job


def _fail_stale() -> None:
    """Running jobs whose worker stopped writing (killed, restarted) fail, to be asked again."""
    cutoff = timezone.now() - STALE_AFTER
    for job in DocumentJob.objects.filter(status=DraftStatus.RUNNING, updated_at__lt=cutoff):
        with translation.override(job.language):
            job.error = _(
                "The background worker stopped while making this document: nothing was "
                "stored. Generate it again."
            )
        job.status, job.finished_at = DraftStatus.FAILED, timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])


def jobs_for(user: Any) -> QuerySet[DocumentJob]:
    """The user's own requests, newest first (no one else's: each sees what they asked for)."""
    return DocumentJob.objects.filter(requested_by=user).select_related("scope", "document")


def get_job_for_user(user: Any, pk: int) -> DocumentJob:
    job = jobs_for(user).filter(pk=pk).first()
    if job is None:
        raise Http404("No such request")
    return job
