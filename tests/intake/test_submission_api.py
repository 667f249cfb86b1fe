"""The workflow through the API (/api/intake/submissions): each role may do through the API
exactly what the submissions page lets it do, out of scope is 404, a refused role 403, a
transition not allowed now 409 with the service's own words, and each step is audited as the
page's is."""

from __future__ import annotations

import datetime as dt

import pytest

from grassroots.intake.models import Submission, SubmissionStatus
from grassroots.intake.workflow import services as workflow
from grassroots.organisations.models import AuditEntry, Role, Unit
from grassroots.organisations.services import issue_token

S = SubmissionStatus
P = "2024Q3"
URL = "/api/intake/submissions"


@pytest.fixture
def people(workflow_people, make_member) -> dict[str, object]:
    return {
        **workflow_people,
        "leader": make_member(Role.LEADER, "370000", "leader"),
        "auditor": make_member(Role.AUDITOR, "370000", "auditor"),
    }


@pytest.fixture
def call(client, people):
    """call(who, action, unit, comment="", period=P): the API's answer (zh-hans)."""
    tokens = {
        name: issue_token(user=user, name="t", ttl=dt.timedelta(days=1), actor=None).token
        for name, user in people.items()
    }

    def send(who: str, action: str, unit: str, comment: str = "", period: str = P):
        return client.post(
            f"{URL}/{action}",
            {"unit": unit, "period": period, "comment": comment},
            HTTP_AUTHORIZATION=f"Bearer {tokens[who]}",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )

    send.tokens = tokens  # type: ignore[attr-defined]
    return send


def _status(code: str) -> SubmissionStatus:
    return workflow.status_of(unit=Unit.objects.get(code=code), period=P)


def test_submit_approve_accept_through_the_api_each_role_its_step(call) -> None:
    for code, clerk in (("370102", "clerk"), ("370103", "clerk2"), ("370104", "clerk3")):
        answer = call(clerk, "submit", code, "已核对")
        assert answer.status_code == 200, answer.content
        [row] = answer.json()
        assert (row["unit_code"], row["status"], row["comment"]) == (code, "submitted", "已核对")
        assert row["actions"] == []  # a clerk approves nothing, and has submitted
    # The clerk may not approve its own (403); a reviewer of another city never sees it (404).
    assert call("clerk", "approve", "370102").status_code == 403
    assert call("qingdao", "approve", "370102").status_code == 404
    assert _status("370102") == S.SUBMITTED
    # The province accepts a city only when all its units are approved: 409, in Chinese,
    # naming what waits, the same words as the page's.
    early = call("admin", "accept", "370100")
    assert early.status_code == 409
    assert early.json()["detail"].endswith(
        "不能验收锁定，以下单位尚未审核通过：370102、370103、370104"
    )
    for code in ("370102", "370103", "370104"):
        assert call("jinan", "approve", code).status_code == 200
    assert call("jinan", "accept", "370100").status_code == 403  # a reviewer does not lock
    accepted = call("admin", "accept", "370100")
    assert accepted.status_code == 200
    assert {r["unit_code"]: r["status"] for r in accepted.json()} == {
        "370102": "accepted",
        "370103": "accepted",
        "370104": "accepted",
    }
    assert workflow.locked_units(codes={"370102", "370103", "370104"}, period=P) == [
        "370102",
        "370103",
        "370104",
    ]
    # Audited as the page's steps are: per unit the row's creation, submit, approve, accept.
    changes = AuditEntry.objects.filter(model="intake.submission")
    assert changes.count() == 3 * 4
    lixia = Submission.objects.get(unit__code="370102", period=P)
    steps = [
        (e.actor_name, (e.after or {}).get("status"))
        for e in changes.filter(object_id=str(lixia.pk)).order_by("id")
    ]
    assert steps[1:] == [("clerk", "submitted"), ("jinan", "approved"), ("admin", "accepted")]


def test_return_and_unlock_need_their_words_and_only_their_roles(call) -> None:
    assert call("clerk", "submit", "370102").status_code == 200
    # A return without a comment is refused (409) with the service's message.
    bare = call("jinan", "return", "370102")
    assert bare.status_code == 409
    assert bare.json()["detail"] == "退回时须填写意见，说明需要更正的内容。"
    assert call("clerk", "return", "370102", "自己退回").status_code == 403
    back = call("jinan", "return", "370102", "案件数与上期不符")
    assert back.status_code == 200
    assert back.json()[0]["status"] == "returned"
    assert back.json()[0]["comment"] == "案件数与上期不符"
    # Submitted again, approved, accepted with the rest of Jinan, then unlocked by the province
    # only, with a reason (kept in the audit log).
    assert call("clerk", "submit", "370102").status_code == 200
    for code, clerk in (("370103", "clerk2"), ("370104", "clerk3")):
        assert call(clerk, "submit", code).status_code == 200
    for code in ("370102", "370103", "370104"):
        assert call("jinan", "approve", code).status_code == 200
    assert call("admin", "accept", "370100").status_code == 200
    assert call("jinan", "unlock", "370102", "重新核对").status_code == 403
    assert call("admin", "unlock", "370102").status_code == 409  # no reason
    assert _status("370102") == S.ACCEPTED
    opened = call("admin", "unlock", "370102", "发现漏报案件")
    assert opened.status_code == 200
    assert _status("370102") == S.RETURNED
    entry = AuditEntry.objects.filter(model="intake.submission").latest("id")
    assert entry.reason == "发现漏报案件"
    assert entry.actor_name == "admin"


def test_roles_without_a_step_are_refused_and_nothing_changes(call) -> None:
    # The province may submit for a unit (as on the page); the others may not.
    for who in ("leader", "auditor", "jinan"):
        assert call(who, "submit", "370102").status_code == 403, who
        assert call(who, "unlock", "370102", "理由").status_code == 403, who
    # A clerk acting for a unit not its own: out of scope, 404 (nothing revealed).
    assert call("clerk2", "submit", "370102").status_code == 404
    assert call("clerk", "approve", "370202").status_code == 404
    assert not Submission.objects.filter(status=S.SUBMITTED).exists()


def test_a_bad_period_or_action_is_422(call) -> None:
    bad = call("clerk", "submit", "370102", period="第五季度")
    assert bad.status_code == 422
    assert "2024年第四季度" in str(bad.json()["detail"])
    assert call("clerk", "lock", "370102").status_code == 422
    assert not Submission.objects.exists()


def test_the_list_is_scoped_and_offers_the_callers_actions(client, call) -> None:
    assert call("clerk", "submit", "370102").status_code == 200

    def listed(who: str, **query: str) -> dict[str, dict]:
        auth = f"Bearer {call.tokens[who]}"
        answer = client.get(URL, {"period": P, **query}, HTTP_AUTHORIZATION=auth)
        assert answer.status_code == 200, answer.content
        return {r["unit_code"]: r for r in answer.json()}

    assert set(listed("clerk")) == {"370102"}
    jinan = listed("jinan")
    assert jinan
    assert all(code.startswith("3701") for code in jinan)
    assert jinan["370102"]["status"] == "submitted"
    assert jinan["370102"]["actions"] == ["approve", "return"]
    assert jinan["370103"]["actions"] == []
    assert "370102" not in listed("qingdao")
    auth = f"Bearer {call.tokens['qingdao']}"
    assert (
        client.get(URL, {"period": P, "unit": "370100"}, HTTP_AUTHORIZATION=auth).status_code == 404
    )
    province = listed("admin", unit="370100")
    assert set(province) == set(jinan)
    assert province["370102"]["actions"] == ["return"]


def test_a_list_longer_than_the_cap_is_refused_not_cut(client, call, monkeypatch) -> None:
    """A scope with more units than the API lists at once (a nation's ~3,000) must be narrowed
    with unit=: never a list silently cut short."""
    from grassroots.intake import api

    auth = {"HTTP_AUTHORIZATION": f"Bearer {call.tokens['admin']}"}
    jinan = client.get(URL, {"period": P, "unit": "370100"}, **auth).json()
    monkeypatch.setattr(api, "MAX_LIST", len(jinan))
    whole = client.get(URL, {"period": P}, HTTP_ACCEPT_LANGUAGE="zh-hans", **auth)
    assert whole.status_code == 422
    assert f"超过{len(jinan)}个单位" in whole.json()["detail"]
    narrowed = client.get(URL, {"period": P, "unit": "370100"}, **auth)
    assert narrowed.status_code == 200
    assert len(narrowed.json()) == len(jinan)
