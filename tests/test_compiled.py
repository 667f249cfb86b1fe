"""`Compiled` queries (issue 20.1) give what their querysets give, and the session store and the
user backend built on them read exactly what Django's own do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone

from grassroots.compiled import Compiled
from grassroots.organisations.backends import MembershipModelBackend
from grassroots.organisations.models import Level, Role, Unit
from grassroots.organisations.services import add_member
from grassroots.web.sessions import SessionStore

pytestmark = pytest.mark.django_db


def fields(obj: object) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}  # type: ignore[attr-defined]


def test_a_compiled_query_gives_the_querysets_objects_with_their_related_ones() -> None:
    nation = Unit.objects.create(code="000000", name_zh="全国", path="", level=Level.NATION)
    province = Unit.objects.create(
        code="370000", name_zh="山东", path="370000/", level=Level.PROVINCE, parent=nation
    )
    user = get_user_model().objects.create_user(username="compiled")
    lone = get_user_model().objects.create_user(username="no-membership")
    add_member(user=user, unit=province, role=Role.LEADER, actor=None)
    model = get_user_model()

    def build(pk: int):  # type: ignore[no-untyped-def]
        return model.objects.select_related("membership__unit").filter(pk=pk)

    query = Compiled(build, -1)
    for pk in (user.pk, lone.pk):
        (got,) = query.all(pk)
        (expected,) = list(build(pk))
        assert fields(got) == fields(expected)
        assert got._state.adding is False
        assert got._state.db == "default"
    got = query.first(user.pk)
    assert got is not None
    assert got.membership.unit.name_zh == "山东"  # type: ignore[attr-defined]
    assert got.membership.user is got  # type: ignore[attr-defined]
    lonely = query.first(lone.pk)
    assert lonely is not None
    with pytest.raises(model.membership.RelatedObjectDoesNotExist):  # type: ignore[attr-defined]
        lonely.membership  # noqa: B018 (the reverse one-to-one, read with the user)
    assert query.first(10**9) is None
    with pytest.raises(ValueError, match="markers"):
        Compiled(lambda pk: model.objects.filter(pk=5), -1).all(1)


def test_the_session_store_reads_a_live_session_and_not_an_expired_one() -> None:
    store = SessionStore()
    store["k"] = "v"
    store.save()
    assert SessionStore(store.session_key)["k"] == "v"
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.get("k") is None
    assert expired.session_key is None  # as Django's store: a new session is made on save
    assert SessionStore("no-such-session-key-0123456789ab").load() == {}


def test_the_backend_reads_the_user_with_membership_and_refuses_an_inactive_one() -> None:
    unit = Unit.objects.create(code="000000", name_zh="全国", path="", level=Level.NATION)
    user = get_user_model().objects.create_user(username="reader")
    add_member(user=user, unit=unit, role=Role.AUDITOR, actor=None)
    backend = MembershipModelBackend()
    got = backend.get_user(user.pk)
    assert got is not None
    assert got.membership.role == Role.AUDITOR
    assert backend.get_user(str(user.pk)).pk == user.pk  # as a session stores it
    assert backend.get_user("not-a-key") is None
    assert backend.get_user(10**9) is None
    user.is_active = False
    user.save()
    assert backend.get_user(user.pk) is None


_SQLITE = """
import django
django.setup()
from datetime import timedelta
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", "sessions", verbosity=0)
from grassroots.web.sessions import SessionStore
store = SessionStore()
store["n"] = 7
store.create()
assert SessionStore(store.session_key).load() == {"n": 7}
store.set_expiry(timezone.now() - timedelta(seconds=1))
store.save()
assert SessionStore(store.session_key).load() == {}
print("ok")
"""


@pytest.mark.django_db(transaction=False)
def test_the_session_store_reads_sessions_on_the_demos_sqlite(tmp_path) -> None:
    """The demo's embedded SQLite turns times into text before they are parameters: there a
    `Compiled` query is the queryset as it is (the demo could not log in otherwise)."""
    import os
    import subprocess
    import sys

    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "grassroots.web.settings",
        "GRASSROOTS_DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", _SQLITE], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert (tmp_path / "grassroots.sqlite3").exists()
