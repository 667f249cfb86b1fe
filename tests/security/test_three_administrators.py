"""三员分立: a system administrator (accounts, settings), a security administrator (roles, locks,
tokens) and an auditor (the log), each with a page in its scope, no account holding two, and the
province administrator's business powers unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from grassroots.organisations.models import (
    THREE_ADMINISTRATORS,
    AccountSecurity,
    ApiToken,
    AuditEntry,
    Membership,
    Role,
)
from grassroots.organisations.scope import ADMINISTRATION, PERMISSIONS, Action, allowed_actions
from grassroots.organisations.services import add_member, issue_token
from tests.security.conftest import PASSWORD, STRONG

PAGES = {
    Role.SYSTEM_ADMIN: "/security/accounts/",
    Role.SECURITY_ADMIN: "/security/access/",
    Role.AUDITOR: "/audit/",
}


def test_each_administrator_holds_one_administration_power_and_no_business_role_any() -> None:
    held = {role: PERMISSIONS[role] & ADMINISTRATION for role in Role}
    assert held[Role.SYSTEM_ADMIN] == {Action.MANAGE_ACCOUNTS}
    assert held[Role.SECURITY_ADMIN] == {Action.MANAGE_SECURITY}
    assert held[Role.AUDITOR] == {Action.VIEW_AUDIT_LOG}
    for role in set(Role) - THREE_ADMINISTRATORS:
        assert held[role] == set(), role
    # The province administrator's business powers are all still there.
    assert PERMISSIONS[Role.PROVINCE_ADMIN] == frozenset(Action) - ADMINISTRATION
    assert PERMISSIONS[Role.SYSTEM_ADMIN] == {Action.MANAGE_ACCOUNTS}  # no business data


def test_an_account_holds_one_role_at_a_time(province, make_member) -> None:
    user = make_member(Role.AUDITOR, "370000", username="one")
    add_member(user=user, unit=province["370000"], role=Role.SECURITY_ADMIN, actor=None)
    assert Membership.objects.filter(user=user).count() == 1
    assert allowed_actions(get_user_model().objects.get(pk=user.pk)) == {Action.MANAGE_SECURITY}


@pytest.mark.parametrize("role", list(PAGES))
def test_each_administrator_has_a_page_no_one_else_reaches(province, make_member, role) -> None:
    for other in Role:
        client = Client()
        client.force_login(make_member(other, "370000", username=f"{role}-{other}"))
        expected = 200 if other == role else 404
        assert client.get(PAGES[role]).status_code == expected, (role, other)


def test_account_administrators_see_no_business_data(province, login_as) -> None:
    for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        client = login_as(role, "370000")
        assert client.get("/units/370102/").status_code == 404
        assert "370102" not in client.get("/units/").content.decode()


def test_the_system_administrator_makes_deactivates_and_resets_accounts(
    province, login_as, make_member
) -> None:
    sysadmin = login_as(Role.SYSTEM_ADMIN, "370100", "sys")
    weak = {
        "username": "zhao",
        "unit": "370102",
        "password1": "zhao12345",
        "password2": "zhao12345",
    }
    html = sysadmin.post("/security/accounts/", weak).content.decode()
    assert not get_user_model().objects.filter(username="zhao").exists()
    assert "errorlist" in html
    outside = {**weak, "unit": "370202", "password1": STRONG, "password2": STRONG}
    sysadmin.post("/security/accounts/", outside)  # Qingdao is not in Jinan's scope
    assert not get_user_model().objects.filter(username="zhao").exists()
    good = {**weak, "password1": STRONG, "password2": STRONG}
    assert sysadmin.post("/security/accounts/", good).status_code == 302
    zhao = get_user_model().objects.get(username="zhao")
    assert (zhao.membership.unit.code, zhao.membership.role) == ("370102", "")  # no role yet
    assert AccountSecurity.objects.get(user=zhao).must_change_password
    assert AuditEntry.objects.filter(model="auth.user", object_id=str(zhao.pk), action="create")

    assert (
        sysadmin.post(f"/security/accounts/{zhao.pk}/active/", {"active": "0"}).status_code == 302
    )
    zhao.refresh_from_db()
    assert not zhao.is_active
    assert AuditEntry.objects.filter(action="deactivate", object_repr="zhao").exists()
    # Not the auditor, not an account out of scope, not itself: those pages do not exist.
    auditor = make_member(Role.AUDITOR, "370100", username="aud")
    qingdao = make_member(Role.LEADER, "370200", username="qd")
    for target in (auditor, qingdao, get_user_model().objects.get(username="sys")):
        assert (
            sysadmin.post(f"/security/accounts/{target.pk}/active/", {"active": "0"}).status_code
            == 404
        )
        assert sysadmin.get(f"/security/accounts/{target.pk}/password/").status_code == 404


def test_the_security_administrator_gives_business_roles_unlocks_and_revokes(
    province, login_as, make_member, settings
) -> None:
    secadmin = login_as(Role.SECURITY_ADMIN, "370000", "sec")
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102", username="clerk")
    # Not an administrator's role: the three are named at the command line only.
    assert (
        secadmin.post(f"/security/access/{clerk.pk}/role/", {"role": "auditor"}).status_code == 302
    )
    assert Membership.objects.get(user=clerk).role == Role.GRASSROOTS_CLERK
    secadmin.post(f"/security/access/{clerk.pk}/role/", {"role": "leader"})
    assert Membership.objects.get(user=clerk).role == Role.LEADER

    for _ in range(settings.GRASSROOTS_LOGIN_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": "clerk", "password": "wrong"})
    assert (
        Client().post("/accounts/login/", {"username": "clerk", "password": PASSWORD}).status_code
        == 429
    )
    assert "clerk" in secadmin.get("/security/access/").content.decode()
    secadmin.post(f"/security/access/{clerk.pk}/unlock/")
    assert (
        Client().post("/accounts/login/", {"username": "clerk", "password": PASSWORD}).status_code
        == 302
    )
    assert AuditEntry.objects.filter(
        action="unlock", object_repr="clerk", actor_name="sec"
    ).exists()

    token = issue_token(user=clerk, name="reports", ttl=dt.timedelta(days=5), actor=None)
    assert secadmin.post(f"/security/tokens/{token.record.pk}/revoke/").status_code == 302
    assert ApiToken.objects.get(pk=token.record.pk).revoked is not None
    api = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token.token}")
    assert api.status_code == 401
    auditor = make_member(Role.AUDITOR, "370000", username="aud")
    assert (
        secadmin.post(f"/security/access/{auditor.pk}/role/", {"role": "leader"}).status_code == 404
    )
