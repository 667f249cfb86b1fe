"""安全审计: security events are audit entries with actor, result and source; the log is a hash
chain that `grassroots audit verify` checks; province-level entries reach the right auditors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.http import HttpResponse
from django.test import Client, RequestFactory

from grassroots.cli import main
from grassroots.organisations import audit
from grassroots.organisations.models import (
    AuditAction,
    AuditEntry,
    AuditImmutableError,
    AuditResult,
    Role,
    Unit,
)
from grassroots.organisations.security.middleware import SecurityMiddleware
from grassroots.organisations.selectors import audit_entries
from grassroots.organisations.services import update_unit
from tests.security.conftest import PASSWORD

TABLE = "organisations_auditentry"


def _last(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).order_by("-id").first()


def test_logins_failures_and_logouts_are_entries_with_result_and_source(
    province, make_member
) -> None:
    make_member(Role.CITY_REVIEWER, "370100", username="reviewer")
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.post("/accounts/login/", {"username": "reviewer", "password": "wrong"})
    failed = _last(AuditAction.LOGIN_FAILED)
    assert (failed.actor_name, failed.result, failed.source) == ("reviewer", "failed", "10.1.2.3")
    assert failed.unit_code == "370100"  # the account's unit, so its auditors see it
    client.post("/accounts/login/", {"username": "reviewer", "password": PASSWORD})
    login = _last(AuditAction.LOGIN)
    assert (login.actor_name, login.result, login.source) == ("reviewer", "ok", "10.1.2.3")
    # The failure history stays after the success (django-axes deleted it).
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, actor_name="reviewer")
    client.post("/accounts/logout/")
    assert _last(AuditAction.LOGOUT).actor_name == "reviewer"


def test_refusals_and_downloads_are_entries(province, login_as) -> None:
    clerk = login_as(Role.GRASSROOTS_CLERK, "370102", "clerk")
    assert clerk.get("/audit/").status_code == 404
    denied = _last(AuditAction.DENIED)
    assert (denied.actor_name, denied.object_repr, denied.result) == (
        "clerk",
        "GET /audit/",
        AuditResult.REFUSED,
    )
    assert Client().get("/api/me").status_code == 401
    assert _last(AuditAction.DENIED).actor_name == "anonymous"

    def download(request):
        response = HttpResponse(b"x")
        response["Content-Disposition"] = 'attachment; filename="league.xlsx"'
        return response

    request = RequestFactory().get("/evaluation/runs/1/export.xlsx", {"lang": "zh"})
    request.user = get_user_model().objects.get(username="clerk")
    request.session = clerk.session
    SecurityMiddleware(download)(request)
    export = _last(AuditAction.EXPORT)
    assert export.object_repr == "GET /evaluation/runs/1/export.xlsx?lang=zh"
    assert export.reason == "league.xlsx"
    assert export.actor_name == "clerk"


def test_command_line_entries_name_the_os_user_or_the_actor(province) -> None:
    assert main(["--actor", "ops-wang", "users", "add", "li", "--unit", "370100",
                 "--role", "leader", "--password", "Quartz#Harbour2031"]) == 0  # fmt: skip
    created = AuditEntry.objects.filter(model="auth.user", action="create").latest("id")
    assert created.actor_name == "ops-wang"
    assert created.source.startswith("cli (")
    assert main(["users", "deactivate", "li"]) == 0
    import getpass

    assert _last(AuditAction.DEACTIVATE).actor_name == getpass.getuser()


def test_province_level_entries_reach_the_province_auditor_only(province, make_member) -> None:
    province_auditor = make_member(Role.AUDITOR, "370000")
    city_auditor = make_member(Role.AUDITOR, "370100")
    Client().post("/accounts/login/", {"username": "nobody-here", "password": "x"})
    guess = _last(AuditAction.LOGIN_FAILED)
    assert guess.unit_code == ""
    assert audit_entries(province_auditor).filter(pk=guess.pk).exists()
    assert not audit_entries(city_auditor).filter(pk=guess.pk).exists()
    reader = Client()
    reader.force_login(province_auditor)
    html = reader.get("/audit/").content.decode()
    # The page shows the event, its result and reason in the reader's language.
    assert "登录失败" in html
    assert "密码错误或账号不存在" in html
    assert "wrong password" not in html


def test_no_business_role_reads_the_log(province, make_member) -> None:
    from grassroots.organisations.models import BUSINESS_ROLES

    update_unit(unit=province["370102"], changes={"headcount": 70}, actor=None)
    for role in (*BUSINESS_ROLES, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        user = make_member(role, "370000")
        assert not audit_entries(user).exists(), role
        client = Client()
        client.force_login(user)
        assert client.get("/audit/").status_code == 404, role


def _edit_behind_the_apps_back(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending events: ALTER may run
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_append_only")
        cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TABLE}_append_only")


def test_the_chain_verifies_and_names_the_first_edited_entry(province, capsys) -> None:
    for count in (70, 71, 72):
        update_unit(unit=province["370102"], changes={"headcount": count}, actor=None)
    assert main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    entries = list(AuditEntry.objects.order_by("id"))
    assert all(e.prev_hash == p.hash for p, e in zip(entries, entries[1:], strict=False))
    edited = entries[-2]
    _edit_behind_the_apps_back(
        f"UPDATE {TABLE} SET reason = %s WHERE id = %s", ["nothing happened", edited.pk]
    )
    assert main(["audit", "verify"]) == 1
    assert f"entry {edited.pk}" in capsys.readouterr().out


def test_a_removed_entry_breaks_the_chain_at_the_next(province, capsys) -> None:
    for count in (70, 71, 72):
        update_unit(unit=province["370102"], changes={"headcount": count}, actor=None)
    entries = list(AuditEntry.objects.order_by("id"))
    _edit_behind_the_apps_back(f"DELETE FROM {TABLE} WHERE id = %s", [entries[-2].pk])
    assert main(["audit", "verify"]) == 1
    assert f"entry {entries[-1].pk}" in capsys.readouterr().out


def test_entries_removed_from_the_end_are_found_by_the_witnessed_head(
    province, capsys, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    """The chain alone cannot see its newest entries cut off; the head witnessed outside the
    database (DATA_DIR/audit/head.json, written on commit) can."""
    settings.DATA_DIR = tmp_path
    for count in (70, 71, 72):
        with django_capture_on_commit_callbacks(execute=True):
            update_unit(unit=province["370102"], changes={"headcount": count}, actor=None)
    entries = list(AuditEntry.objects.order_by("id"))
    head = json.loads((tmp_path / "audit" / "head.json").read_text())
    assert (head["id"], head["hash"]) == (entries[-1].pk, entries[-1].hash)
    assert (tmp_path / "audit" / "head.json").stat().st_mode & 0o777 == 0o600
    assert main(["audit", "verify"]) == 0
    capsys.readouterr()
    _edit_behind_the_apps_back(f"DELETE FROM {TABLE} WHERE id >= %s", [entries[-2].pk])
    report = audit.verify_chain()
    # Every entry left still links up: only the witnessed head shows the cut.
    assert report.checked == len(entries) - 2
    assert not report.ok
    assert report.first_bad == entries[-1].pk
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"entry {entries[-1].pk}" in out
    assert "removed from the end" in out
    _edit_behind_the_apps_back(f"DELETE FROM {TABLE} WHERE id > 0", [])
    assert main(["audit", "verify"]) == 1
    assert "every entry was removed" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_do_not_fork_the_chain(small_province_rows) -> None:
    from grassroots.organisations.services import load_units

    load_units(rows=small_province_rows, actor=None)
    unit = Unit.objects.get(code="370102")
    barrier = threading.Barrier(2)

    def write(base: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                update_unit(unit=unit, changes={"procurators": base + i}, actor=None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in (1, 20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = audit.verify_chain()
    assert report.ok, report
    assert AuditEntry.objects.filter(model="organisations.unit", action="update").count() >= 20
    hashes = list(AuditEntry.objects.values_list("prev_hash", flat=True))
    assert len(hashes) == len(set(hashes))  # no two entries follow the same one


def test_nothing_in_the_app_deletes_entries_and_retention_is_at_least_180_days(province) -> None:
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.all().delete()
    env = {**os.environ, "GRASSROOTS_AUDIT_RETENTION_DAYS": "30", "GRASSROOTS_TESTING": "1"}
    result = subprocess.run(
        [sys.executable, "-c", "import grassroots.web.settings"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "at least 180 days" in result.stderr
