from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from ninja.errors import AuthenticationError

from grassroots.api_caller import auth_user
from grassroots.organisations.models import Role

GRASSROOTS = Path(__file__).resolve().parents[2] / "grassroots"


def test_auth_user_is_the_user_the_api_authentication_accepted(province, make_member) -> None:
    reviewer = make_member(Role.CITY_REVIEWER, "370100")
    request = RequestFactory().get("/api/me")
    request.auth = reviewer  # what django-ninja sets after a callback accepts the caller

    assert auth_user(request) == reviewer


@pytest.mark.parametrize("auth", [None, AnonymousUser(), "a token string"])
def test_auth_user_answers_401_when_no_user_was_authenticated(auth) -> None:
    request = RequestFactory().get("/api/me")
    request.auth = auth

    with pytest.raises(AuthenticationError) as refused:
        auth_user(request)
    assert refused.value.status_code == 401


def test_auth_user_answers_401_on_a_request_that_passed_no_authentication() -> None:
    with pytest.raises(AuthenticationError):
        auth_user(RequestFactory().get("/api/me"))


def test_every_endpoint_reads_its_caller_through_auth_user() -> None:
    readers = [
        f"{path.relative_to(GRASSROOTS.parent)}:{number}"
        for path in GRASSROOTS.rglob("*.py")
        if path.name != "api_caller.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "request.auth" in line
    ]
    assert readers == []
