"""Issue 11.2: a finished run is a draft that only the province administrator and the auditor
see until the province administrator publishes it (audited); a later published run of the same
scheme, period and scope supersedes the earlier one, which stays readable as history."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from grassroots.evaluation.errors import NotAllowed, OutOfScope, RunError
from grassroots.evaluation.models import EvaluationRun, Publication, RunStatus
from grassroots.evaluation.publication import publish_run
from grassroots.evaluation.runs import queue_run
from grassroots.evaluation.runs import run_evaluation as run_service
from grassroots.organisations.models import AuditEntry, Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import UnitRow

PERIOD = "2024Q4"
CLERK_UNIT = "370102"


@pytest.fixture
def draft(scheme, cases_dir) -> EvaluationRun:
    run = run_service(scheme_version=scheme, period=PERIOD, source=cases_dir, actor=None)
    assert run.status == RunStatus.DONE, run.error
    return run


def user(role: Role, code: str, name: str | None = None):
    u = get_user_model().objects.create_user(username=name or f"{role}-{code}", password="x")
    add_member(user=u, unit=Unit.objects.get(code=code), role=role, actor=None)
    return get_user_model().objects.select_related("membership__unit").get(pk=u.pk)


def client_of(u) -> Client:
    client = Client()
    client.force_login(u)
    return client


def some_unit(run: EvaluationRun) -> str:
    return (
        run.results.filter(node="core-business", unit_code__startswith="3701")
        .exclude(unit_path="")
        .exclude(unit_code="370100")
        .order_by("unit_code")
        .values_list("unit_code", flat=True)
        .first()
    )


def pages(run: EvaluationRun) -> dict[str, tuple[str, dict[str, str]]]:
    """Every page and API answer of one run."""
    code = some_unit(run)
    return {
        "run page": (reverse("evaluation:run", args=[run.pk]), {}),
        "league csv": (reverse("evaluation:run", args=[run.pk]), {"format": "csv"}),
        "heatmap": (reverse("evaluation:heatmap", args=[run.pk]), {}),
        "warnings": (reverse("evaluation:warnings", args=[run.pk]), {}),
        "profile": (reverse("evaluation:unit-profile", args=[run.pk, code]), {}),
        "excel": (reverse("evaluation:export-xlsx", args=[run.pk]), {}),
        "api run": (f"/api/evaluation/runs/{run.pk}", {}),
        "api results": (f"/api/evaluation/runs/{run.pk}/results", {"node": "core-business"}),
    }


READERS = [
    (Role.LEADER, "370000"),
    (Role.CITY_REVIEWER, "370100"),
    (Role.GRASSROOTS_CLERK, CLERK_UNIT),
]


@pytest.mark.parametrize(("role", "code"), READERS)
def test_a_draft_is_404_everywhere_for_leaders_reviewers_and_clerks(draft, role, code) -> None:
    client = client_of(user(role, code))
    for name, (url, params) in pages(draft).items():
        assert client.get(url, params).status_code == 404, name
    listed = client.get("/api/evaluation/runs").json()
    assert draft.pk not in [r["id"] for r in listed]


@pytest.mark.parametrize(
    ("role", "code"), [(Role.LEADER, "370000"), (Role.CITY_REVIEWER, "370100")]
)
def test_once_published_leaders_and_reviewers_read_the_run(draft, published, role, code) -> None:
    client = client_of(user(role, code))
    url, params = pages(draft)["run page"]
    assert client.get(url, params).status_code == 404
    published(draft)
    for name in ("run page", "heatmap", "profile", "api run", "api results"):
        url, params = pages(draft)[name]
        assert client.get(url, params).status_code == 200, name


def test_a_clerk_reads_the_api_answer_only_once_published(draft, published) -> None:
    client = client_of(user(Role.GRASSROOTS_CLERK, CLERK_UNIT))
    url = f"/api/evaluation/runs/{draft.pk}"
    before = client.get(url).status_code
    published(draft)
    assert before == 404
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", [Role.PROVINCE_ADMIN, Role.AUDITOR])
def test_the_province_admin_and_the_auditor_see_the_draft(draft, role) -> None:
    client = client_of(user(role, "370000"))
    html = client.get(reverse("evaluation:run", args=[draft.pk])).content.decode()
    assert 'id="run-draft"' in html
    body = client.get(f"/api/evaluation/runs/{draft.pk}").json()
    assert body["publication"] == Publication.DRAFT


def test_the_province_admin_publishes_from_the_page_and_it_is_audited(draft) -> None:
    admin = user(Role.PROVINCE_ADMIN, "370000")
    client = client_of(admin)
    html = client.get(reverse("evaluation:run", args=[draft.pk])).content.decode()
    assert 'id="publish-run"' in html
    response = client.post(reverse("evaluation:publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.publication == Publication.PUBLISHED
    assert draft.published_by == admin
    assert draft.published_at is not None
    entry = AuditEntry.objects.get(
        model="evaluation.evaluationrun", object_id=str(draft.pk), reason="published"
    )
    assert entry.actor == admin
    assert entry.after["publication"] == Publication.PUBLISHED


def test_the_auditor_sees_the_draft_but_may_not_publish(draft) -> None:
    client = client_of(user(Role.AUDITOR, "370000"))
    html = client.get(reverse("evaluation:run", args=[draft.pk])).content.decode()
    assert 'id="publish-run"' not in html
    assert client.post(reverse("evaluation:publish", args=[draft.pk])).status_code == 403
    assert client.post(f"/api/evaluation/runs/{draft.pk}/publish").status_code == 403
    draft.refresh_from_db()
    assert draft.publication == Publication.DRAFT


def jinan_run(scheme, shandong) -> EvaluationRun:
    from grassroots.evaluation.runs import INTAKE_SOURCE

    run = run_service(
        scheme_version=scheme,
        period=PERIOD,
        source=INTAKE_SOURCE,
        actor=None,
        scope=shandong["370100"],
    )
    assert run.status == RunStatus.DONE, run.error
    return run


def test_a_city_reviewer_in_scope_may_not_publish_403(
    scheme, province_version, shandong, published
) -> None:
    reviewer = user(Role.CITY_REVIEWER, "370100")
    draft = jinan_run(scheme, shandong)
    with pytest.raises(NotAllowed):
        publish_run(run=draft, actor=reviewer)
    client = client_of(reviewer)
    # The draft is not the reviewer's to see: 404, as for any run they may not read.
    assert client.post(reverse("evaluation:publish", args=[draft.pk])).status_code == 404
    # A run they read (published), of their city: publishing it is still not theirs.
    published(draft)
    later = jinan_run(scheme, shandong)
    published(later)
    draft.refresh_from_db()
    assert client.post(reverse("evaluation:publish", args=[draft.pk])).status_code == 403
    assert client.post(f"/api/evaluation/runs/{draft.pk}/publish").status_code == 403
    draft.refresh_from_db()
    assert draft.publication == Publication.SUPERSEDED
    changes = AuditEntry.objects.filter(actor=reviewer, action__in=["create", "update", "delete"])
    assert not changes.exists()
    # Each refusal is a security event in the log (issue 19: permission denials audited).
    assert AuditEntry.objects.filter(actor=reviewer, action="denied").count() == 3


def test_a_province_admin_of_another_province_gets_404(draft) -> None:
    load_units(
        rows=[UnitRow("640000", "宁夏回族自治区人民检察院", "province", None)],
        actor=None,
        reason="fixture",
    )
    stranger = user(Role.PROVINCE_ADMIN, "640000")
    with pytest.raises(OutOfScope):
        publish_run(run=draft, actor=stranger)
    client = client_of(stranger)
    assert client.post(reverse("evaluation:publish", args=[draft.pk])).status_code == 404
    assert client.post(f"/api/evaluation/runs/{draft.pk}/publish").status_code == 404
    draft.refresh_from_db()
    assert draft.publication == Publication.DRAFT


def test_the_api_publishes_for_the_province_admin(draft) -> None:
    client = client_of(user(Role.PROVINCE_ADMIN, "370000"))
    response = client.post(f"/api/evaluation/runs/{draft.pk}/publish")
    assert response.status_code == 200
    assert response.json()["publication"] == Publication.PUBLISHED
    again = client.post(f"/api/evaluation/runs/{draft.pk}/publish")
    assert again.status_code == 422
    assert str(draft.pk) in again.json()["detail"]


def test_an_already_published_run_is_refused(draft) -> None:
    admin = user(Role.PROVINCE_ADMIN, "370000")
    publish_run(run=draft, actor=admin)
    with translation.override("en"), pytest.raises(RunError, match="already published"):
        publish_run(run=draft, actor=admin)
    with translation.override("zh-hans"), pytest.raises(RunError, match="已发布"):
        publish_run(run=draft, actor=admin)
    assert AuditEntry.objects.filter(object_id=str(draft.pk), reason="published").count() == 1


def test_an_unfinished_run_is_refused(scheme, cases_dir) -> None:
    admin = user(Role.PROVINCE_ADMIN, "370000")
    queued = queue_run(scheme_version=scheme, period=PERIOD, source=cases_dir, actor=None)
    assert queued.status != RunStatus.DONE
    with translation.override("en"), pytest.raises(RunError, match="not finished"):
        publish_run(run=queued, actor=admin)
    with translation.override("zh-hans"), pytest.raises(RunError, match="未成功完成"):
        publish_run(run=queued, actor=admin)
    queued.refresh_from_db()
    assert queued.publication == Publication.DRAFT
    assert not AuditEntry.objects.filter(object_id=str(queued.pk), reason="published").exists()


def test_a_provisional_run_is_refused(scheme, province_version, shandong) -> None:
    from grassroots.evaluation.runs import INTAKE_SOURCE

    admin = user(Role.PROVINCE_ADMIN, "370000")
    run = run_service(
        scheme_version=scheme,
        period=PERIOD,
        source=INTAKE_SOURCE,
        actor=None,
        scope=shandong["370000"],
        provisional=True,
    )
    assert run.status == RunStatus.DONE, run.error
    with translation.override("en"), pytest.raises(RunError, match="provisional"):
        publish_run(run=run, actor=admin)
    with translation.override("zh-hans"), pytest.raises(RunError, match="临时"):
        publish_run(run=run, actor=admin)
    run.refresh_from_db()
    assert run.publication == Publication.DRAFT


def test_a_later_published_run_supersedes_the_earlier_which_stays_readable(
    draft, scheme, cases_dir, published
) -> None:
    published(draft)
    later = published(
        run_service(scheme_version=scheme, period=PERIOD, source=cases_dir, actor=None)
    )
    draft.refresh_from_db()
    assert draft.publication == Publication.SUPERSEDED
    assert draft.superseded_by_id == later.pk
    assert later.publication == Publication.PUBLISHED
    assert AuditEntry.objects.filter(
        object_id=str(draft.pk), reason=f"superseded by run {later.pk}"
    ).exists()
    leader = client_of(user(Role.LEADER, "370000"))
    response = leader.get(reverse("evaluation:run", args=[draft.pk]))
    assert response.status_code == 200
    assert 'id="run-superseded"' in response.content.decode()
    assert leader.get(f"/api/evaluation/runs/{draft.pk}").json()["superseded_by"] == later.pk


def test_a_later_run_supersedes_only_the_run_of_its_own_period(
    runs, scheme, cases_dir, published
) -> None:
    later = published(
        run_service(scheme_version=scheme, period="2024Q3", source=cases_dir, actor=None)
    )
    first = runs["2024Q4"]
    first.refresh_from_db()
    assert first.publication == Publication.PUBLISHED
    earlier_q3 = runs["2024Q3"]
    earlier_q3.refresh_from_db()
    assert earlier_q3.superseded_by_id == later.pk


def test_a_city_run_does_not_supersede_the_province_run(
    scheme, province_version, shandong, published
) -> None:
    from grassroots.evaluation.runs import INTAKE_SOURCE

    province = published(
        run_service(
            scheme_version=scheme,
            period=PERIOD,
            source=INTAKE_SOURCE,
            actor=None,
            scope=shandong["370000"],
        )
    )
    city = published(
        run_service(
            scheme_version=scheme,
            period=PERIOD,
            source=INTAKE_SOURCE,
            actor=None,
            scope=shandong["370100"],
        )
    )
    province.refresh_from_db()
    assert province.publication == Publication.PUBLISHED
    assert city.publication == Publication.PUBLISHED
