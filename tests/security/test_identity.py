"""Identity and sessions: password rules on every path, the change page, expiry, lockout by
account with progressive delays, idle and absolute session limits, TOTP, deactivation and
tokens that always expire."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from grassroots.cli import main
from grassroots.organisations.models import AccountSecurity, ApiToken, AuditEntry, Role
from grassroots.organisations.security import lockout, totp
from grassroots.organisations.security.middleware import SESSION_SEEN, SESSION_STARTED
from grassroots.organisations.services import TokenLifetimeError, issue_token
from tests.security.conftest import PASSWORD, STRONG

WEAK = ["1", "short1A!", "abcdefghijkl", "Abcdefghijkl", "P@ssw0rd1234", "1qaz@WSX3edc",
        "Li-Ming#2031x"]  # fmt: skip


@pytest.mark.parametrize("password", WEAK)
def test_the_command_line_refuses_passwords_that_break_the_rules(
    province, password, capsys
) -> None:
    args = ["users", "add", "li-ming", "--unit", "370100", "--role", "leader"]
    assert main([*args, "--password", password]) == 2
    assert "the password breaks the rules" in capsys.readouterr().err
    assert not get_user_model().objects.filter(username="li-ming").exists()


def test_the_command_line_takes_a_strong_password_and_passwd_checks_too(province, capsys) -> None:
    args = ["users", "add", "li-ming", "--unit", "370100", "--role", "leader"]
    assert main([*args, "--password", STRONG]) == 0
    assert main(["users", "passwd", "li-ming", "--password", "password1234"]) == 2
    assert main(["users", "passwd", "li-ming", "--password", "Harbour#Quartz2032"]) == 0
    assert get_user_model().objects.get(username="li-ming").check_password("Harbour#Quartz2032")


def test_the_change_page_checks_the_current_password_and_the_rules(province, login_as) -> None:
    client = login_as(Role.LEADER, "370000", "leader")
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    assert "至少包含 12 个字符" in page.content.decode() or "12" in page.content.decode()
    wrong = client.post(
        "/accounts/password/", {"current": "no", "password1": STRONG, "password2": STRONG}
    )
    assert wrong.status_code == 200
    weak = client.post(
        "/accounts/password/",
        {"current": PASSWORD, "password1": "password", "password2": "password"},
    )
    assert weak.status_code == 200
    ok = client.post(
        "/accounts/password/", {"current": PASSWORD, "password1": STRONG, "password2": STRONG}
    )
    assert ok.status_code == 302
    assert get_user_model().objects.get(username="leader").check_password(STRONG)
    assert AuditEntry.objects.filter(action="password", object_repr="leader", result="ok").exists()
    assert AuditEntry.objects.filter(
        action="password", object_repr="leader", result="failed"
    ).exists()
    assert client.get("/").status_code == 200  # still logged in


def test_an_old_or_administrator_set_password_must_be_changed_first(
    province, login_as, settings
) -> None:
    client = login_as(Role.LEADER, "370000", "leader")
    user = get_user_model().objects.get(username="leader")
    old = timezone.now() - dt.timedelta(days=settings.GRASSROOTS_PASSWORD_MAX_AGE_DAYS + 1)
    AccountSecurity.objects.update_or_create(user=user, defaults={"password_changed": old})
    answer = client.get("/units/")
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/password/"
    assert client.get("/accounts/password/").status_code == 200
    client.post(
        "/accounts/password/", {"current": PASSWORD, "password1": STRONG, "password2": STRONG}
    )
    assert client.get("/units/").status_code == 200
    AccountSecurity.objects.filter(user=user).update(must_change_password=True)
    assert client.get("/units/")["Location"] == "/accounts/password/"


def test_lockout_is_by_account_across_addresses_with_progressive_delays(
    province, make_member, settings
) -> None:
    make_member(Role.LEADER, "370000", username="leader")
    limit = settings.GRASSROOTS_LOGIN_FAILURE_LIMIT
    for n in range(limit):  # each guess from another address
        Client(REMOTE_ADDR=f"10.0.0.{n}").post(
            "/accounts/login/", {"username": "leader", "password": f"guess{n}"}
        )
    locked = Client(REMOTE_ADDR="10.9.9.9").post(
        "/accounts/login/", {"username": "leader", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert AuditEntry.objects.filter(action="lockout", object_repr="leader").count() == 1
    first = lockout.lock_delay(1)
    assert lockout.lock_delay(2) == 2 * first
    # No lock lasts longer than the cap, however long a stranger goes on.
    assert lockout.lock_delay(50) == dt.timedelta(
        minutes=settings.GRASSROOTS_LOGIN_LOCK_MAX_MINUTES
    )
    # The lock ends by itself: after it, the owner logs in.
    from grassroots.organisations.models import LoginGuard

    LoginGuard.objects.filter(username="leader").update(locked_until=timezone.now())
    ok = Client().post("/accounts/login/", {"username": "leader", "password": PASSWORD})
    assert ok.status_code == 302


def _session_times(client: Client, *, started: float, seen: float) -> None:
    session = client.session
    session[SESSION_STARTED] = started
    session[SESSION_SEEN] = seen
    session.save()


def test_an_idle_session_ends_after_the_setting(province, login_as, settings) -> None:
    client = login_as(Role.LEADER, "370000", "leader")
    now = time.time()
    _session_times(client, started=now - 60, seen=now - 10)
    assert client.get("/units/").status_code == 200
    idle = settings.GRASSROOTS_SESSION_IDLE_MINUTES * 60
    _session_times(client, started=now - idle - 120, seen=now - idle - 60)
    answer = client.get("/units/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")
    assert AuditEntry.objects.filter(action="logout", reason="session idle timeout").exists()
    assert client.get("/units/").status_code == 302  # logged out for good
    assert "没有操作" in client.get("/accounts/login/").content.decode()


def test_a_busy_session_still_ends_at_the_absolute_limit(province, login_as, settings) -> None:
    client = login_as(Role.LEADER, "370000", "leader")
    now = time.time()
    _session_times(client, started=now - settings.GRASSROOTS_SESSION_MAX_HOURS * 3600 - 1, seen=now)
    assert client.get("/units/").status_code == 302
    assert AuditEntry.objects.filter(action="logout", reason__contains="longest").exists()


def test_totp_matches_the_rfc_6238_vectors() -> None:
    import base64

    secret = base64.b32encode(b"12345678901234567890").decode()
    # RFC 6238 appendix B (SHA-1), last six digits of the eight-digit values.
    for at, code in ((59, "287082"), (1111111109, "081804"), (1234567890, "005924"),
                     (2000000000, "279037"), (20000000000, "353130")):  # fmt: skip
        assert totp.code_at(secret, at) == code
    assert totp.accepted_step(secret, "287082", unix_time=59, after_step=0) == 1
    assert totp.accepted_step(secret, "287082", unix_time=59, after_step=1) is None  # used once


def test_the_second_factor_is_set_up_then_asked_at_login(province, login_as) -> None:
    client = login_as(Role.LEADER, "370000", "leader")
    client.get("/accounts/two-factor/")
    user = get_user_model().objects.get(username="leader")
    secret = AccountSecurity.objects.get(user=user).totp_secret
    now = time.time()
    assert client.post("/accounts/two-factor/", {"code": "000000"}).status_code == 200
    assert (
        client.post("/accounts/two-factor/", {"code": totp.code_at(secret, now)}).status_code == 302
    )
    assert AccountSecurity.objects.get(user=user).totp_enabled

    fresh = Client()
    step1 = fresh.post("/accounts/login/", {"username": "leader", "password": PASSWORD})
    assert step1["Location"] == "/accounts/login/code/"
    assert fresh.get("/units/").status_code == 302  # not logged in yet
    fresh.post("/accounts/login/code/", {"code": "123456"})
    assert AuditEntry.objects.filter(action="login_failed", reason="wrong one-time code").exists()
    done = fresh.post("/accounts/login/code/", {"code": totp.code_at(secret, now + 30)})
    assert done.status_code == 302
    assert fresh.get("/units/").status_code == 200


def test_administrators_must_set_up_the_second_factor_when_the_setting_is_on(
    province, login_as, settings
) -> None:
    settings.GRASSROOTS_ADMIN_TWO_FACTOR = True
    admin = login_as(Role.SECURITY_ADMIN, "370000", "sec")
    assert admin.get("/security/access/")["Location"] == "/accounts/two-factor/"
    leader = login_as(Role.LEADER, "370000", "leader")
    assert leader.get("/units/").status_code == 200  # optional for the others
    settings.GRASSROOTS_ADMIN_TWO_FACTOR = False
    assert admin.get("/security/access/").status_code == 200


def test_tokens_always_expire(province, make_member, settings, capsys) -> None:
    leader = make_member(Role.LEADER, "370000", username="leader")
    issued = issue_token(user=leader, name="x", ttl=None, actor=None)
    assert issued.record.expires is not None
    with pytest.raises(TokenLifetimeError):
        issue_token(
            user=leader, name="x", ttl=dt.timedelta(days=settings.GRASSROOTS_API_TOKEN_MAX_DAYS + 1),
            actor=None,
        )  # fmt: skip
    assert main(["users", "token", "leader", "--name", "x", "--days", "0"]) == 2
    # A token stored before the rule, without an expiry, is refused.
    ApiToken.objects.filter(pk=issued.record.pk).update(expires=None)
    assert Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {issued.token}").status_code == 401


def test_deactivate_and_revoke_from_the_command_line(province, make_member, capsys) -> None:
    leader = make_member(Role.LEADER, "370000", username="leader")
    token = issue_token(user=leader, name="x", ttl=dt.timedelta(days=3), actor=None)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token.token}"}
    assert Client().get("/api/me", **bearer).status_code == 200
    assert main(["users", "revoke", token.record.prefix]) == 0
    assert Client().get("/api/me", **bearer).status_code == 401
    session = Client()
    session.force_login(leader)
    assert main(["users", "deactivate", "leader"]) == 0
    assert session.get("/units/").status_code == 302  # its session stops at once
    assert main(["users", "activate", "leader"]) == 0
    assert AuditEntry.objects.filter(action="revoke").exists()
