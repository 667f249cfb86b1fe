"""The inbox, the choices and the e-mail outbox, against a real SMTP server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext_noop

from grassroots.notifications import kinds
from grassroots.notifications.mail import backoff, deliver
from grassroots.notifications.models import MailState, Notification, OutboxMail
from grassroots.notifications.services import notify, save_preferences
from grassroots.organisations.models import AuditEntry, Role

from .conftest import SmtpServer

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai


def _user(make_member: Callable[..., Any], name: str, email: str = "") -> Any:
    user = make_member(Role.GRASSROOTS_CLERK, "370102", name)
    user.email = email
    user.save()
    return user


def _tell(users: list[Any], key: str = "", kind: str = kinds.DIRECT_REPLY) -> list[Notification]:
    return notify(
        users,
        kind=kind,
        title=gettext_noop("A submission was returned for correction"),
        body="%(unit)s: %(period)s",
        params={"unit": "历下区", "period": "2026Q1"},
        link="/intake/",
        key=key,
        clock=lambda: NOW,
    )


def test_notify_keys_once_and_respects_choices(make_member: Callable[..., Any]) -> None:
    a, b = _user(make_member, "a"), _user(make_member, "b")
    assert len(_tell([a, b, a], key="k1")) == 2
    assert _tell([a, b], key="k1") == []  # the same thing is told once
    save_preferences(
        user=b, off_kinds=[kinds.DIRECT_REPLY], no_mail_kinds=[], digest=False, language="en"
    )
    assert [n.recipient for n in _tell([a, b], key="k2")] == [a]
    assert AuditEntry.objects.filter(model="notifications.preference").count() == 1
    # Without SMTP nothing is queued for e-mail.
    assert OutboxMail.objects.count() == 0
    assert set(Notification.objects.values_list("mail_state", flat=True)) == {MailState.NONE}


def test_inbox_is_one_users_own_and_counts_unread(make_member: Callable[..., Any]) -> None:
    a, b = _user(make_member, "a"), _user(make_member, "b")
    (mine,) = _tell([a])
    (theirs,) = _tell([b])
    client = Client()
    client.force_login(a)
    page = client.get(reverse("notifications:inbox"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert 'class="badge unread-count"' in html
    assert ">1</span>" in html
    assert "历下区: 2026Q1" in html
    # Another user's notification does not exist for a.
    other = client.post(reverse("notifications:read", args=[theirs.pk]))
    assert other.status_code == 404
    opened = client.post(reverse("notifications:read", args=[mine.pk]), {"open": "1"})
    assert opened.status_code == 302
    assert opened["Location"] == "/intake/"
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None
    page = client.get(reverse("notifications:inbox"))
    assert "unread-count" not in page.content.decode()


def test_the_unread_count_is_one_query(
    make_member: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    from django.template import RequestContext, Template
    from django.test import RequestFactory

    a = _user(make_member, "a")
    _tell([a])
    request = RequestFactory().get("/")
    request.user = a
    template = Template("{{ unread_notifications }} {{ unread_notifications }}")
    with django_assert_max_num_queries(1):
        text = template.render(RequestContext(request, {}))
    assert text == "1 1"


def test_mark_all_read_and_preferences_page(make_member: Callable[..., Any]) -> None:
    a = _user(make_member, "a")
    _tell([a], key="x")
    _tell([a], key="y")
    client = Client()
    client.force_login(a)
    client.post(reverse("notifications:read-all"))
    assert not Notification.objects.filter(recipient=a, read_at__isnull=True).exists()
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    every = list(kinds.kinds())
    saved = client.post(
        reverse("notifications:preferences"),
        {"on_kinds": every[1:], "mail_kinds": [], "digest": "on", "language": "en"},
    )
    assert saved.status_code == 302
    pref = a.notification_preference
    assert pref.off_kinds == [every[0]]
    assert pref.digest
    assert pref.language == "en"


def test_mail_is_sent_by_the_worker_in_the_readers_language(
    make_member: Callable[..., Any], smtp: SmtpServer
) -> None:
    a = _user(make_member, "a", "a@example.test")
    save_preferences(user=a, off_kinds=[], no_mail_kinds=[], digest=False, language="en")
    b = _user(make_member, "b", "b@example.test")  # default language: Chinese
    nobody = _user(make_member, "c")  # no address: inbox only
    _tell([a, b, nobody])
    assert OutboxMail.objects.count() == 2
    assert smtp.inbox.messages == []  # nothing is sent by the call itself
    done = deliver(NOW)
    assert done["sent"] == 2
    by_to = {m["To"]: m for m in smtp.inbox.messages}
    assert by_to["a@example.test"]["Subject"] == "A submission was returned for correction"
    assert "https://grassroots.test/intake/" in by_to["a@example.test"].get_content()
    assert by_to["b@example.test"]["Subject"] != "A submission was returned for correction"
    assert "退回" in by_to["b@example.test"]["Subject"]
    assert OutboxMail.objects.filter(sent_at__isnull=True).count() == 0
    assert deliver(NOW)["sent"] == 0  # sent once


def test_a_failed_send_is_kept_and_retried_with_backoff(
    make_member: Callable[..., Any], smtp: SmtpServer
) -> None:
    a = _user(make_member, "a", "a@example.test")
    _tell([a])
    smtp.stop()  # the server is down
    assert deliver(NOW)["failed"] == 1
    row = OutboxMail.objects.get()
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error
    assert row.next_attempt == NOW + backoff(1)
    assert deliver(NOW + dt.timedelta(seconds=30))["failed"] == 0  # not yet due again
    assert deliver(NOW + backoff(1))["failed"] == 1
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt == NOW + backoff(1) + backoff(2)
    assert backoff(2) == 2 * backoff(1)
    smtp.start()
    assert deliver(NOW + dt.timedelta(hours=1))["sent"] == 1
    row.refresh_from_db()
    assert row.sent_at is not None
    assert len(smtp.inbox.messages) == 1


def test_daily_digest_gathers_the_days_notifications(
    make_member: Callable[..., Any], smtp: SmtpServer
) -> None:
    a = _user(make_member, "a", "a@example.test")
    save_preferences(user=a, off_kinds=[], no_mail_kinds=[], digest=True, language="en")
    _tell([a], key="1")
    _tell([a], key="2", kind=kinds.SUBMISSION_ACCEPTED)
    assert OutboxMail.objects.count() == 0
    early = dt.datetime(2026, 3, 1, 22, 0, tzinfo=dt.UTC)  # 06:00 in Shanghai: before the hour
    assert deliver(early)["digests"] == 0
    done = deliver(NOW)
    assert done["digests"] == 1
    assert done["sent"] == 1
    (message,) = smtp.inbox.messages
    assert message["Subject"] == "Grassroots: 2 new notifications"
    _tell([a], key="3")
    assert deliver(NOW + dt.timedelta(hours=2))["digests"] == 0  # one digest a day
    assert deliver(NOW + dt.timedelta(days=1))["digests"] == 1


def test_the_runs_worker_sends_the_outbox(
    make_member: Callable[..., Any], smtp: SmtpServer, capsys: Any
) -> None:
    from grassroots.cli import main

    a = _user(make_member, "a", "a@example.test")
    _tell([a])
    assert main(["runs", "work", "--once"]) == 0
    assert len(smtp.inbox.messages) == 1
    assert "1 e-mail(s) sent" in capsys.readouterr().out


def test_the_api_gives_the_callers_own_notifications(make_member: Callable[..., Any]) -> None:
    a, b = _user(make_member, "a"), _user(make_member, "b")
    (mine,) = _tell([a])
    (theirs,) = _tell([b])
    client = Client()
    client.force_login(a)
    inbox = client.get("/api/notifications", HTTP_ACCEPT_LANGUAGE="en").json()
    assert inbox["unread"] == 1
    assert [n["id"] for n in inbox["notifications"]] == [mine.pk]
    assert client.post(f"/api/notifications/{theirs.pk}/read").status_code == 404
    read = client.post(f"/api/notifications/{mine.pk}/read")
    assert read.status_code == 200
    assert read.json()["read_at"]
    assert client.get("/api/notifications?unread_only=true").json()["unread"] == 0
