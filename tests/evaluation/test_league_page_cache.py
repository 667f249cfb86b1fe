"""The league page's filters and table are cached as rendered HTML (`cached_table`, issue 20.1),
and its session, user and run are read with SQL built once (`grassroots.compiled`): what a
signed-in reader may see must still change at once when their role, the province's ranking
policy, their notifications or their session change, and the cached part must never carry
another user's export links or query."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from grassroots.evaluation.models import EvaluationRun
from grassroots.evaluation.runs import run_evaluation as run_service
from grassroots.evaluation.selectors import league_table
from grassroots.evaluation.templatetags.league_rows import table_key
from grassroots.notifications.models import Notification
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member
from grassroots.reports.services import set_policy

RANK = "全省排名"
EXPORT = "format=csv"


def page(client: Client, run: EvaluationRun, **params: str) -> str:
    response = client.get(reverse("evaluation:run", args=[run.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def table(html: str) -> str:
    return html.split('class="panel league-filters"', 1)[1].split("</table>", 1)[0]


def test_a_role_change_shows_on_the_next_page(runs) -> None:
    run = runs["2024Q4"]
    user = get_user_model().objects.create_user(username="changing", password="x-for-tests")
    province = Unit.objects.get(code="370000")
    add_member(user=user, unit=province, role=Role.PROVINCE_ADMIN, actor=None)
    client = Client()
    client.force_login(user)
    admin = page(client, run)
    assert RANK in table(admin)
    assert EXPORT in table(admin)
    add_member(user=user, unit=province, role=Role.LEADER, actor=None)
    leader = page(client, run)
    assert RANK not in leader
    assert 'class="colour colour-' in table(leader)
    add_member(user=user, unit=province, role=Role.AUDITOR, actor=None)
    auditor = page(client, run)
    assert 'class="colour colour-' not in auditor
    assert EXPORT not in auditor
    add_member(user=user, unit=Unit.objects.get(code="370100"), role=Role.CITY_REVIEWER, actor=None)
    city = page(client, run)
    assert RANK in table(city)
    codes = re.findall(r"<tr><td>(\w+)</td>", table(city))
    assert codes
    assert all(c.startswith("3701") for c in codes)


def test_the_province_ranking_policy_shows_on_the_next_page(runs, member) -> None:
    run = runs["2024Q4"]
    client = member(Role.PROVINCE_ADMIN, "370000")
    actor = get_user_model().objects.get(username=f"{Role.PROVINCE_ADMIN}-370000")
    province = Unit.objects.get(code="370000")
    assert RANK in table(page(client, run))  # the test settings' default: ranking mode
    set_policy(province=province, ranking="analysis", marking="", issuer="", actor=actor)
    hidden = page(client, run)
    assert RANK not in hidden
    assert "analysis mode" in hidden or "分析模式" in hidden
    set_policy(province=province, ranking="ranking", marking="", issuer="", actor=actor)
    assert RANK in table(page(client, run))


def test_a_policy_set_in_another_worker_shows_on_the_next_page(runs, member) -> None:
    """Another web worker's `set_policy` writes the row and forgets only what its own process
    remembers: this process must still read the change on its next request."""
    from grassroots.reports.models import ReportPolicy

    run = runs["2024Q4"]
    client = member(Role.PROVINCE_ADMIN, "370000")
    province = Unit.objects.get(code="370000")
    assert RANK in table(page(client, run))  # the test settings' default: ranking mode
    ReportPolicy.objects.update_or_create(province=province, defaults={"ranking": "analysis"})
    hidden = page(client, run)
    assert RANK not in hidden
    assert "analysis mode" in hidden or "分析模式" in hidden
    ReportPolicy.objects.filter(province=province).update(ranking="ranking")
    assert RANK in table(page(client, run))


def test_a_new_notification_and_reading_it_show_on_the_next_page(runs, member) -> None:
    run = runs["2024Q4"]
    client = member(Role.LEADER, "370000")
    user = get_user_model().objects.get(username=f"{Role.LEADER}-370000")
    assert 'class="badge unread-count"' not in page(client, run)
    note = Notification.objects.create(
        recipient=user, kind="test", title="Run published", created=timezone.now()
    )
    assert re.search(r'class="badge unread-count"[^>]*>1<', page(client, run))
    note.read_at = timezone.now()
    note.save()
    assert 'class="badge unread-count"' not in page(client, run)


def test_a_session_ended_reads_nothing_on_the_next_page(runs, member) -> None:
    run = runs["2024Q4"]
    client = member(Role.PROVINCE_ADMIN, "370000")
    assert RANK in page(client, run)
    client.post(reverse("logout"))
    response = client.get(reverse("evaluation:run", args=[run.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_cached_table_keeps_each_query_and_export_right_apart(runs, member) -> None:
    run = runs["2024Q4"]
    client = member(Role.PROVINCE_ADMIN, "370000")
    plain = table(page(client, run))
    other = table(page(client, run, note="x1"))  # a parameter the filters do not read
    assert "note=x1" in other
    assert "note=x1" not in plain
    assert table(page(client, run)) == plain
    # Whether the reader may export is part of the key, whatever else is equal.
    user = get_user_model().objects.get(username=f"{Role.PROVINCE_ADMIN}-370000")
    request = RequestFactory().get("/")
    request.user = user
    league = league_table(run=run, user=user, with_rows=False)
    assert table_key(league, 1, request, True) != table_key(league, 1, request, False)
    assert table_key(league, 1, request, True) != table_key(league, 2, request, True)
    assert table_key(league, 1, request, True) != table_key(
        league, 1, RequestFactory().get("/", {"sort": "code"}), True
    )


def test_a_run_published_shows_on_the_next_page(scheme, cases_dir, member, published) -> None:
    draft = run_service(scheme_version=scheme, period="2024Q4", source=cases_dir, actor=None)
    admin = member(Role.PROVINCE_ADMIN, "370000")
    leader = member(Role.LEADER, "370000")
    assert leader.get(reverse("evaluation:run", args=[draft.pk])).status_code == 404
    assert 'id="run-draft"' in page(admin, draft)
    published(draft)
    assert 'id="run-draft"' not in page(admin, draft)
    assert re.findall(r"<tr><td>(\w+)</td>", table(page(leader, draft)))
