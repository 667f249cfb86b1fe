"""The workflow: each step, each role, out-of-scope 404s, locks and audited unlocks."""

from __future__ import annotations

import re

import pytest

from grassroots.intake.models import Submission, SubmissionStatus
from grassroots.intake.workflow import services as workflow
from grassroots.organisations.models import AuditEntry, Unit

S = SubmissionStatus
P = "2024Q3"


@pytest.fixture
def people(workflow_people) -> dict[str, object]:
    return workflow_people


def _u(code: str) -> Unit:
    return Unit.objects.get(code=code)


def _approved_jinan(people) -> None:
    for code, clerk in (("370102", "clerk"), ("370103", "clerk2"), ("370104", "clerk3")):
        workflow.submit(unit=_u(code), period=P, actor=people[clerk])
        workflow.approve(unit=_u(code), period=P, actor=people["jinan"])


def test_the_full_path_draft_submitted_approved_accepted(people) -> None:
    assert workflow.status_of(unit=_u("370102"), period=P) == S.DRAFT
    _approved_jinan(people)
    workflow.accept_city(city=_u("370100"), period=P, actor=people["admin"])
    assert set(Submission.objects.values_list("status", flat=True)) == {S.ACCEPTED}
    changes = AuditEntry.objects.filter(model="intake.submission")
    # per unit: the draft row's creation, submit, approve, accept
    assert changes.count() == 3 * 4
    assert workflow.locked_units(codes={"370102", "370103", "370202"}, period=P) == [
        "370102", "370103"
    ]  # fmt: skip


def test_only_a_clerk_of_the_unit_or_the_province_submits(people) -> None:
    for who in ("clerk2", "jinan"):
        with pytest.raises(workflow.NotAllowed):
            workflow.submit(unit=_u("370102"), period=P, actor=people[who])
    assert not Submission.objects.exists()


def test_a_city_approves_only_its_own_units(people) -> None:
    workflow.submit(unit=_u("370102"), period=P, actor=people["clerk"])
    for who in ("qingdao", "clerk", "admin"):
        with pytest.raises(workflow.NotAllowed):
            workflow.approve(unit=_u("370102"), period=P, actor=people[who])
    assert workflow.status_of(unit=_u("370102"), period=P) == S.SUBMITTED


def test_a_draft_cannot_be_approved(people) -> None:
    with pytest.raises(workflow.WorkflowError, match="现在不能改为"):
        workflow.approve(unit=_u("370102"), period=P, actor=people["jinan"])


def test_a_return_needs_a_comment_and_allows_resubmission(people) -> None:
    workflow.submit(unit=_u("370102"), period=P, actor=people["clerk"])
    with pytest.raises(workflow.WorkflowError, match="须填写意见"):
        workflow.return_for_correction(
            unit=_u("370102"), period=P, actor=people["jinan"], comment=" "
        )
    returned = workflow.return_for_correction(
        unit=_u("370102"), period=P, actor=people["jinan"], comment="第3行数值有误"
    )
    assert (returned.status, returned.comment) == (S.RETURNED, "第3行数值有误")
    assert workflow.submit(unit=_u("370102"), period=P, actor=people["clerk"]).status == S.SUBMITTED


def test_the_province_accepts_a_city_only_when_all_its_units_are_approved(people) -> None:
    workflow.submit(unit=_u("370102"), period=P, actor=people["clerk"])
    workflow.approve(unit=_u("370102"), period=P, actor=people["jinan"])
    with pytest.raises(workflow.WorkflowError, match="尚未审核通过：370103"):
        workflow.accept_city(city=_u("370100"), period=P, actor=people["admin"])
    assert workflow.status_of(unit=_u("370102"), period=P) == S.APPROVED


def test_only_the_province_accepts(people) -> None:
    _approved_jinan(people)
    with pytest.raises(workflow.NotAllowed):
        workflow.accept_city(city=_u("370100"), period=P, actor=people["jinan"])


def test_unlock_is_the_province_admins_with_a_reason_and_audited(people) -> None:
    _approved_jinan(people)
    workflow.accept_city(city=_u("370100"), period=P, actor=people["admin"])
    with pytest.raises(workflow.NotAllowed):
        workflow.unlock(unit=_u("370102"), period=P, actor=people["jinan"], reason="x")
    with pytest.raises(workflow.WorkflowError, match="须填写理由"):
        workflow.unlock(unit=_u("370102"), period=P, actor=people["admin"], reason="")
    workflow.unlock(unit=_u("370102"), period=P, actor=people["admin"], reason="更正起诉人数")
    entry = AuditEntry.objects.filter(model="intake.submission").order_by("-id").first()
    assert (entry.actor, entry.reason) == (people["admin"], "更正起诉人数")
    assert (entry.before["status"], entry.after["status"]) == (S.ACCEPTED, S.RETURNED)


def test_a_locked_unit_refuses_new_figures_and_case_records(people, tmp_path, data_dir, export):
    from grassroots.engine.errors import InputError
    from grassroots.intake.cases.services import import_cases
    from grassroots.intake.figures.services import import_figures

    _approved_jinan(people)
    workflow.accept_city(city=_u("370100"), period=P, actor=people["admin"])
    path = tmp_path / "f.csv"
    path.write_text("unit_code,period,element,value\n370102,2024Q3,incoming,3\n")
    with pytest.raises(InputError, match="370102 2024Q3 is accepted and locked"):
        import_figures(path=path, actor=people["admin"], catalogue="cepej", period=P, dry_run=False)
    with pytest.raises(InputError, match="accepted and locked"):
        import_cases(source=export, unit=_u("370102"), period=P, actor=people["clerk"])


def test_the_submissions_page_and_actions_are_scoped(client, people) -> None:
    client.force_login(people["qingdao"])
    page = client.get(f"/intake/submissions/?period={P}").content.decode()
    assert "370202" in page
    assert "370102" not in page
    response = client.post(
        "/intake/submissions/act/", {"unit": "370102", "period": P, "action": "approve"}
    )
    assert response.status_code == 404
    client.force_login(people["clerk"])
    ok = client.post(
        "/intake/submissions/act/", {"unit": "370102", "period": P, "action": "submit"}
    )
    assert ok.status_code == 302
    assert workflow.status_of(unit=_u("370102"), period=P) == S.SUBMITTED
    refused = client.post(
        "/intake/submissions/act/", {"unit": "370102", "period": P, "action": "approve"}
    )
    assert refused.status_code == 403


def test_the_page_offers_only_the_actions_the_role_may_take(client, people) -> None:
    """The clerk sees no 审核通过 on its own submission; the city reviewer no 确认并锁定
    (issue 18.4)."""
    workflow.submit(unit=_u("370102"), period=P, actor=people["clerk"])
    client.force_login(people["clerk"])
    page = client.get(f"/intake/submissions/?period={P}").content.decode()
    assert 'value="approve"' not in page
    assert 'value="submit"' not in page  # already submitted
    client.force_login(people["jinan"])
    page = client.get(f"/intake/submissions/?period={P}").content.decode()
    assert 'value="approve"' in page
    assert 'value="accept"' not in page
    assert re.search(r'<button[^>]*value="370100"', page) is None  # no accept for a city


def test_a_comment_is_kept_and_every_action_says_what_it_did(client, people) -> None:
    client.force_login(people["clerk"])
    response = client.post(
        "/intake/submissions/act/",
        {"unit": "370102", "period": P, "action": "submit", "comment": "第二季度数据已核对"},
        follow=True,
    )
    assert Submission.objects.get(unit__code="370102", period=P).comment == "第二季度数据已核对"
    page = response.content.decode()
    assert "已提交" in page
    assert "第二季度数据已核对" in page


def test_a_refusal_is_the_styled_page_in_chinese(client, people) -> None:
    workflow.submit(unit=_u("370102"), period=P, actor=people["clerk"])
    client.force_login(people["clerk"])
    response = client.post(
        "/intake/submissions/act/", {"unit": "370102", "period": P, "action": "approve"}
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "<html" in page
    assert "Your role may not do this" not in page


def test_the_province_filters_counts_per_city_and_acts_in_bulk(client, people) -> None:
    _approved_jinan(people)
    client.force_login(people["admin"])
    page = client.get(f"/intake/submissions/?period={P}&city=370100").content.decode()
    assert "370102" in page
    assert "370202" not in page  # another city's unit is filtered out
    assert re.search(r'<button[^>]*value="370100"', page)  # Jinan is ready: one click accepts
    response = client.post(
        "/intake/submissions/act-bulk/",
        {"period": P, "action": "accept", "units": ["370100", "370200"]},
        follow=True,
    )
    page = response.content.decode()
    assert workflow.status_of(unit=_u("370102"), period=P) == S.ACCEPTED
    assert workflow.status_of(unit=_u("370202"), period=P) != S.ACCEPTED
    assert "尚未审核通过" in page  # 370200 refused, and the page says why
    assert "省院已确认并锁定：2024年第三季度 共 2 个，已办理 1 个" in page


def test_a_reviewer_approves_the_ticked_units_in_bulk(client, people) -> None:
    workflow.submit(unit=_u("370102"), period=P, actor=people["clerk"])
    client.force_login(people["jinan"])
    client.post(
        "/intake/submissions/act-bulk/",
        {"period": P, "action": "approve", "units": ["370102", "370103"]},
    )
    assert workflow.status_of(unit=_u("370102"), period=P) == S.APPROVED
    assert workflow.status_of(unit=_u("370103"), period=P) == S.DRAFT  # nothing to approve
