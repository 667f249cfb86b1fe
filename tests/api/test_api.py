from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from grassroots.organisations.models import ApiToken, AuditAction, AuditEntry, Role, Unit
from grassroots.organisations.services import issue_token


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token_for(db):
    def issue(user, ttl=dt.timedelta(days=1)) -> str:
        return issue_token(user=user, name="test", ttl=ttl, actor=None).token

    return issue


def test_openapi_lists_the_endpoints_and_their_errors(client) -> None:
    spec = client.get("/api/openapi.json").json()
    assert spec["info"]["title"] == "Grassroots API"
    paths = spec["paths"]
    assert {"/api/me", "/api/units", "/api/units/{code}", "/api/units/{code}/children"} <= set(
        paths
    )
    assert set(paths["/api/units/{code}"]) == {"get", "patch"}
    for status in ("401", "403", "404", "422"):
        assert status in paths["/api/units/{code}"]["patch"]["responses"]
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_the_api_docs_use_ninjas_bundled_swagger_ui_not_a_cdn(client) -> None:
    # ninja is not an installed app (start-up, issue 20.4): its page and files come from the
    # template and static paths settings.py sets.
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui.css" in html
    assert "cdn" not in html.lower()
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_a_request_without_credentials_is_401(client, province) -> None:
    assert client.get("/api/units").status_code == 401


def test_token_auth_answers_me_and_records_last_use(
    client, province, make_member, token_for
) -> None:
    reviewer = make_member(Role.CITY_REVIEWER, "370100")
    token = token_for(reviewer)
    response = client.get("/api/me", **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert (body["username"], body["role"], body["unit"]["code"]) == (
        reviewer.username,
        "city_reviewer",
        "370100",
    )
    assert "review_submissions" in body["permissions"]
    assert "edit_unit" not in body["permissions"]
    assert ApiToken.objects.get(user=reviewer).last_used is not None


def test_only_the_digest_of_a_token_is_stored(province, make_member, token_for) -> None:
    token = token_for(make_member(Role.LEADER, "370000"))
    stored = ApiToken.objects.get()
    assert token not in (stored.digest, stored.prefix)
    assert len(stored.digest) == 64


@pytest.mark.parametrize("header", ["Bearer grt_not-a-real-token", "Bearer ", "Token abc"])
def test_a_wrong_token_is_401(client, province, header) -> None:
    assert client.get("/api/me", HTTP_AUTHORIZATION=header).status_code == 401


def test_an_expired_token_is_401(client, province, make_member, token_for) -> None:
    token = token_for(make_member(Role.LEADER, "370000"))
    ApiToken.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/me", **bearer(token)).status_code == 401


def test_a_token_of_an_inactive_user_is_401(client, province, make_member, token_for) -> None:
    leader = make_member(Role.LEADER, "370000")
    token = token_for(leader)
    leader.is_active = False
    leader.save()
    assert client.get("/api/me", **bearer(token)).status_code == 401


def test_a_token_is_refused_while_the_account_is_locked(
    client, province, make_member, token_for, settings
) -> None:
    leader = make_member(Role.LEADER, "370000", username="leader")
    token = token_for(leader)
    for _ in range(settings.GRASSROOTS_LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "leader", "password": "wrong"})
    assert client.get("/api/me", **bearer(token)).status_code == 401


def test_a_successful_token_call_does_not_reset_password_failures(
    client, province, make_member, token_for
) -> None:
    from grassroots.organisations.models import LoginGuard

    leader = make_member(Role.LEADER, "370000", username="leader")
    token = token_for(leader)
    client.post("/accounts/login/", {"username": "leader", "password": "wrong"})
    assert LoginGuard.objects.get(username="leader").failures == 1
    assert client.get("/api/me", **bearer(token)).status_code == 200
    assert LoginGuard.objects.get(username="leader").failures == 1


def test_session_auth_works_and_unsafe_methods_need_csrf(province, make_member) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.get("/api/units/370102").json()["code"] == "370102"
    patch = client.patch(
        "/api/units/370102", json.dumps({"headcount": 40}), content_type="application/json"
    )
    assert patch.status_code == 403
    assert Unit.objects.get(code="370102").headcount is None
    client.get("/api/me")  # any page gives the CSRF cookie in the real app; set it here
    from django.middleware.csrf import _get_new_csrf_string

    csrf = _get_new_csrf_string()
    client.cookies["csrftoken"] = csrf
    ok = client.patch(
        "/api/units/370102",
        json.dumps({"headcount": 40}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert ok.status_code == 200
    assert Unit.objects.get(code="370102").headcount == 40


def test_token_patch_needs_no_csrf(province, make_member, token_for) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    client = Client(enforce_csrf_checks=True)
    response = client.patch(
        "/api/units/370102",
        json.dumps({"procurators": 12}),
        content_type="application/json",
        **bearer(token_for(admin)),
    )
    assert response.status_code == 200


def test_units_are_scoped_and_filtered(client, province, make_member, token_for) -> None:
    token = token_for(make_member(Role.CITY_REVIEWER, "370100"))
    body = client.get("/api/units", **bearer(token)).json()
    assert {u["code"] for u in body["items"]} == {"370100", "370102", "370103", "370104"}
    assert body["count"] == 4
    grassroots = client.get("/api/units?level=grassroots", **bearer(token)).json()
    assert {u["code"] for u in grassroots["items"]} == {"370102", "370103", "370104"}
    found = client.get("/api/units", {"q": "历下"}, **bearer(token)).json()
    assert [u["code"] for u in found["items"]] == ["370102"]
    by_parent = client.get("/api/units?parent=370200", **bearer(token)).json()
    assert by_parent["count"] == 0


def test_a_bad_filter_is_422(client, province, make_member, token_for) -> None:
    token = token_for(make_member(Role.CITY_REVIEWER, "370100"))
    assert client.get("/api/units?level=county", **bearer(token)).status_code == 422


def test_a_clerk_gets_404_for_another_county(client, province, make_member, token_for) -> None:
    token = token_for(make_member(Role.GRASSROOTS_CLERK, "370102"))
    assert client.get("/api/units/370102", **bearer(token)).status_code == 200
    assert client.get("/api/units/370103", **bearer(token)).status_code == 404
    assert client.get("/api/units/370103/children", **bearer(token)).status_code == 404


def test_children_lists_direct_children_only(client, province, make_member, token_for) -> None:
    token = token_for(make_member(Role.PROVINCE_ADMIN, "370000"))
    body = client.get("/api/units/370000/children", **bearer(token)).json()
    assert [u["code"] for u in body["items"]] == ["370100", "370200"]


def test_patch_is_audited_with_before_and_after(client, province, make_member, token_for) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    response = client.patch(
        "/api/units/370202",
        json.dumps({"headcount": 61, "name_en": "Shinan", "reason": "census"}),
        content_type="application/json",
        **bearer(token_for(admin)),
    )
    assert response.status_code == 200
    assert response.json()["headcount"] == 61
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, unit_code="370202")
    assert (entry.actor, entry.reason) == (admin, "census")
    assert (entry.before["headcount"], entry.after["headcount"]) == (None, 61)
    assert (entry.before["name_en"], entry.after["name_en"]) == ("", "Shinan")


def test_out_of_scope_patch_is_404_and_changes_nothing(
    client, province, make_member, token_for
) -> None:
    # A province administrator of Qingdao's city unit would be odd; scope is what is tested here.
    qingdao_admin = make_member(Role.PROVINCE_ADMIN, "370200")
    response = client.patch(
        "/api/units/370102",
        json.dumps({"headcount": 1}),
        content_type="application/json",
        **bearer(token_for(qingdao_admin)),
    )
    assert response.status_code == 404
    assert Unit.objects.get(code="370102").headcount is None


def test_in_scope_patch_without_permission_is_403(client, province, make_member, token_for) -> None:
    reviewer = make_member(Role.CITY_REVIEWER, "370100")
    response = client.patch(
        "/api/units/370102",
        json.dumps({"headcount": 1}),
        content_type="application/json",
        **bearer(token_for(reviewer)),
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"headcount": -1},
        {"code": "370199"},
        {"under_45_share": 120},
        {"headcount": 5, "procurators": 9},
    ],
)
def test_a_bad_patch_is_422(client, province, make_member, token_for, body) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    response = client.patch(
        "/api/units/370102",
        json.dumps(body),
        content_type="application/json",
        **bearer(token_for(admin)),
    )
    assert response.status_code == 422
    assert Unit.objects.get(code="370102").headcount is None


def test_a_national_token_lists_every_province_and_the_nation_s_children(
    client, province, make_member, token_for
) -> None:
    from grassroots.organisations.services import load_units
    from grassroots.organisations.unitfile import UnitRow

    load_units(rows=[UnitRow("640000", "宁夏回族自治区人民检察院", "province", None)], actor=None)
    token = token_for(make_member(Role.LEADER, "000000"))
    listed = client.get("/api/units", {"level": "province"}, **bearer(token)).json()
    assert {u["code"] for u in listed["items"]} == {"370000", "640000"}
    assert {u["parent_code"] for u in listed["items"]} == {"000000"}
    children = client.get("/api/units/000000/children", **bearer(token)).json()
    assert [u["code"] for u in children["items"]] == ["370000", "640000"]
    assert client.get("/api/units/370102", **bearer(token)).status_code == 200


def test_a_province_token_gets_404_for_the_nation_and_other_provinces(
    client, province, make_member, token_for
) -> None:
    from grassroots.organisations.services import load_units
    from grassroots.organisations.unitfile import UnitRow

    load_units(rows=[UnitRow("640000", "宁夏回族自治区人民检察院", "province", None)], actor=None)
    token = token_for(make_member(Role.PROVINCE_ADMIN, "370000"))
    for code in ("000000", "640000"):
        assert client.get(f"/api/units/{code}", **bearer(token)).status_code == 404
    patch = client.patch(
        "/api/units/000000",
        data=json.dumps({"name_en": "x", "reason": "test"}),
        content_type="application/json",
        **bearer(token),
    )
    assert patch.status_code == 404
    listed = client.get("/api/units", **bearer(token)).json()
    assert "000000" not in {u["code"] for u in listed["items"]}


def test_a_national_leader_may_read_but_not_change_a_unit(
    client, province, make_member, token_for
) -> None:
    token = token_for(make_member(Role.LEADER, "000000"))
    patch = client.patch(
        "/api/units/370102",
        data=json.dumps({"name_en": "x", "reason": "test"}),
        content_type="application/json",
        **bearer(token),
    )
    assert patch.status_code == 403


def test_a_null_name_or_peer_group_is_a_422_not_a_500(client, province, make_member, token_for):
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    before = Unit.objects.get(code="370102").peer_group
    response = client.patch(
        "/api/units/370102",
        json.dumps({"peer_group": None, "headcount": None}),
        content_type="application/json",
        **bearer(token_for(admin)),
    )
    assert response.status_code == 422
    assert "peer_group" in response.json()["detail"]
    assert Unit.objects.get(code="370102").peer_group == before


def test_a_422_is_said_in_the_callers_language(client, province, make_member, token_for) -> None:
    """Issue 19.7: the schema's refusals reach a Chinese caller in Chinese, with the field."""
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    body = json.dumps({"headcount": "十二"})
    answers = {}
    for language in ("zh-hans", "en"):  # the language switch's cookie, as on pages
        client.cookies["django_language"] = language
        response = client.patch(
            "/api/units/370102",
            body,
            content_type="application/json",
            **bearer(token_for(admin)),
        )
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["loc"][-1] == "headcount"
        assert error["type"] == "int_parsing"
        answers[language] = error["msg"]
    assert answers == {"zh-hans": "应为整数", "en": "must be a whole number"}
    client.cookies["django_language"] = "zh-hans"
    bad_level = client.get("/api/units?level=county", **bearer(token_for(admin)))
    assert bad_level.status_code == 422
    assert bad_level.json()["detail"][0]["msg"].startswith("应为以下之一：")
