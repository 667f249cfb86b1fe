"""The league page reads its run by key and applies `runs_for`'s gate to it in Python
(`league_run`, `may_read_run`, issue 20.1): the two gates must agree for every run state,
scope and reader, or the league page would show a run the run list hides (or 404 one it shows)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404

from grassroots.evaluation.models import EvaluationRun, Publication, RunStatus
from grassroots.evaluation.selectors import league_run, runs_for
from grassroots.organisations.models import Level, Role, Unit
from grassroots.organisations.services import add_member

STATES = [
    (RunStatus.DONE, False, Publication.PUBLISHED),
    (RunStatus.DONE, False, Publication.SUPERSEDED),
    (RunStatus.DONE, False, Publication.DRAFT),
    (RunStatus.DONE, True, Publication.DRAFT),
    (RunStatus.FAILED, False, Publication.DRAFT),
    (RunStatus.QUEUED, False, Publication.DRAFT),
]
# No scope, the province, a city, a city's grassroots unit, another city, a code of no unit,
# the national unit, a scope stored as a number, and parameters that are not an object.
SCOPES: list[Any] = [{}, {"scope": None}, {"scope": ""}, {"scope": "370000"}, {"scope": "370100"},
                     {"scope": "GRASSROOTS"}, {"scope": "370200"}, {"scope": "440000"},
                     {"scope": "000000"}, {"scope": 370100}, []]  # fmt: skip


def reader(role: Role, unit: Unit) -> Any:
    user = get_user_model().objects.create_user(username=f"gate-{role}-{unit.code}")
    add_member(user=user, unit=unit, role=role, actor=None)
    return get_user_model().objects.get(pk=user.pk)  # as a request reads it


def test_the_league_page_shows_exactly_the_runs_the_run_list_shows(runs) -> None:
    grassroots = (
        Unit.objects.filter(level=Level.GRASSROOTS, path__startswith="370000/370100/")
        .order_by("code")
        .first()
    )
    assert grassroots is not None
    template = runs["2024Q4"]
    fields = [f for f in EvaluationRun._meta.concrete_fields if not f.primary_key]
    made = []
    for parameters in SCOPES:
        if isinstance(parameters, dict) and parameters.get("scope") == "GRASSROOTS":
            parameters = {"scope": grassroots.code}
        for status, provisional, publication in STATES:
            run = EvaluationRun(**{f.attname: getattr(template, f.attname) for f in fields})
            run.parameters, run.status, run.provisional = parameters, status, provisional
            run.publication = publication
            run.save()
            made.append(run.pk)
    readers = [
        reader(Role.PROVINCE_ADMIN, Unit.objects.get(code="370000")),
        reader(Role.AUDITOR, Unit.objects.get(code="370000")),
        reader(Role.LEADER, Unit.objects.get(code="370000")),
        reader(Role.CITY_REVIEWER, Unit.objects.get(code="370100")),
        reader(Role.LEADER, Unit.objects.get(code="370200")),
        reader(Role.GRASSROOTS_CLERK, grassroots),
        reader(Role.PROVINCE_ADMIN, Unit.objects.get(code="000000")),
        reader(Role.LEADER, Unit.objects.get(code="000000")),
    ]
    shown_somewhere, hidden_somewhere = set(), set()
    for user in readers:
        listed = set(runs_for(user).filter(pk__in=made).values_list("pk", flat=True))
        for pk in made:
            try:
                run, _ = league_run(user, pk)
            except Http404:
                assert pk not in listed, (user.username, EvaluationRun.objects.get(pk=pk))
                hidden_somewhere.add(pk)
            else:
                assert run.pk == pk in listed, (user.username, run.parameters, run.publication)
                shown_somewhere.add(pk)
    # The cases are not vacuous: runs shown to some readers and hidden from others.
    assert len(shown_somewhere & hidden_somewhere) > len(made) / 2
    assert EvaluationRun.objects.filter(pk__in=made, status=RunStatus.DONE).count() > 10
