"""Issue 12.5: the reports page generates in the background. The request checks what it can and
queues a job; the worker (`grassroots runs work` calls `evaluation.background.run_jobs`) makes
it, writing step and percent; the page polls the job's fragment, then offers the download. A bad
request is refused at once; a failure at the worker keeps a message in the asker's language and
stores no document."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone

from grassroots.evaluation import background
from grassroots.organisations.models import AuditEntry, Role, Unit
from grassroots.reports.jobs import make_queued_documents
from grassroots.reports.models import (
    Document,
    DocumentJob,
    DraftStatus,
    JobStep,
    ReportTemplate,
)
from grassroots.reports.services import generate_document

PERIOD = "2024Q4"


def test_the_page_queues_the_worker_makes_and_the_page_offers_the_download(world, member) -> None:
    client, user = member(Role.CITY_REVIEWER, "370100")
    response = client.post(
        "/reports/generate/",
        {"product": "bulletin", "scope": "370100", "period": PERIOD, "format": "xlsx"},
    )
    job = DocumentJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/#job-{job.pk}"
    assert (job.status, job.step, job.percent, job.requested_by) == ("queued", "queued", 0, user)
    assert Document.objects.count() == 0  # nothing made inside the request
    assert AuditEntry.objects.filter(model="reports.documentjob").count() == 1
    page = client.get("/reports/").content.decode()
    assert f'hx-get="/reports/jobs/{job.pk}/progress/"' in page
    assert "等待后台任务" in page
    # Someone else's request is not theirs to follow: 404.
    other, _other_user = member(Role.CITY_REVIEWER, "370200")
    assert other.get(f"/reports/jobs/{job.pk}/progress/").status_code == 404

    assert "reports-documents" in background.registered()
    assert background.run_jobs()["reports-documents"] == 1
    job.refresh_from_db()
    assert (job.status, job.step, job.percent) == ("done", "done", 100), job.error
    document = job.document
    assert document is not None
    assert (document.scope.code, document.format, document.generated_by) == ("370100", "xlsx", user)
    fragment = client.get(f"/reports/jobs/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true"  # the page reloads: its history lists the document
    body = fragment.content.decode()
    assert f'href="/reports/documents/{document.pk}/"' in body
    assert "hx-get" not in body  # finished: no more polling
    download = client.get(f"/reports/documents/{document.pk}/")
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == document.sha256
    assert make_queued_documents() == 0  # made once

    # The steps the worker writes on the job, in order, percent rising.
    told: list[tuple[str, int]] = []
    generate_document(
        product="plan_progress",
        scope=Unit.objects.get(code="370000"),
        period=PERIOD,
        fmt="xlsx",
        actor=world["admin"],
        progress=lambda step, percent: told.append((step, percent)),
    )
    assert [s for s, _p in told] == ["checking", "reading", "rendering", "storing"]
    assert [p for _s, p in told] == sorted(p for _s, p in told)


def test_bad_requests_are_refused_at_once_and_worker_failures_keep_a_message(world, member) -> None:
    client, user = member(Role.CITY_REVIEWER, "370100")

    def ask(**changes: str) -> str:
        data = {"product": "bulletin", "scope": "370100", "period": PERIOD, "format": "pdf"}
        return client.post("/reports/generate/", {**data, **changes}, follow=True).content.decode()

    # A period without a published run, a scope outside the user's, a unit-only product for a
    # city: a message at once, nothing queued.
    assert "2022Q1 尚无已发布的评价结果" in ask(period="2022Q1")
    assert "370200" in ask(scope="370200")
    assert "只能为基层院生成" in ask(product="unit_profile")
    # In English for a reader who chose English.
    client.cookies["django_language"] = "en"
    assert "No published evaluation run" in ask(period="2022Q1")
    # A template naming an indicator the catalogue lacks (it changed since the template was
    # saved): refused at once, naming the indicator.
    template = ReportTemplate.objects.create(
        province=Unit.objects.get(code="370000"),
        product="bulletin",
        version=1,
        spec={"indicators": ["retired_rate"]},
        created_at=timezone.now(),
    )
    assert "retired_rate" in ask()
    assert DocumentJob.objects.count() == 0
    template.delete()

    # What changes between the request and the worker fails at the worker: the message in the
    # asker's language, no document stored.
    now = timezone.now()
    for language in ("en", "zh-hans"):
        DocumentJob.objects.create(
            product="bulletin",
            scope=Unit.objects.get(code="370100"),
            period="2022Q1",  # as if the run had been withdrawn after the request
            format="pdf",
            language=language,
            requested_by=user,
            queued_at=now,
            updated_at=now,
        )
    assert make_queued_documents() == 2
    failed = {j.language: j for j in DocumentJob.objects.all()}
    assert {j.status for j in failed.values()} == {DraftStatus.FAILED}
    assert "No published evaluation run of 山东省人民检察院 for 2022Q1" in failed["en"].error
    assert "山东省人民检察院 2022Q1 尚无已发布的评价结果" in failed["zh-hans"].error
    assert Document.objects.count() == 0
    page = client.get(f"/reports/jobs/{failed['en'].pk}/progress/").content.decode()
    assert "No published evaluation run" in page
    assert failed["en"].step != JobStep.DONE

    # A running job whose worker stopped writing (killed, restarted) fails with a message.
    long_ago = timezone.now() - dt.timedelta(hours=1)
    job = DocumentJob.objects.create(
        product="bulletin",
        scope=Unit.objects.get(code="370100"),
        period=PERIOD,
        format="pdf",
        language="zh-hans",
        requested_by=user,
        status=DraftStatus.RUNNING,
        step=JobStep.RENDERING,
        queued_at=long_ago,
        updated_at=long_ago,
    )
    assert make_queued_documents() == 0
    job.refresh_from_db()
    assert job.status == DraftStatus.FAILED
    assert "后台任务在生成这份文书时停止" in job.error


def test_the_reports_page_offers_periods_by_name_and_reads_a_spelled_one(world, member) -> None:
    client, _user = member(Role.CITY_REVIEWER, "370100")
    page = client.get("/reports/").content.decode()
    form = page.split('id="generate-form"', 1)[1].split("</form>", 1)[0]
    assert 'list="id_period-choices"' in form  # picked from a list, not typed blind
    assert "2024年第四季度</option>" in form
    assert 'name="narrative-period"' in page  # the office's text keeps its own field
    spelled = client.post(
        "/reports/generate/",
        {"product": "bulletin", "scope": "370100", "period": "2024年第四季度", "format": "xlsx"},
    )
    assert spelled.status_code == 302
    assert DocumentJob.objects.filter(period="2024Q4").exists()
