from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth import get_user_model

from grassroots.cli import main
from grassroots.organisations.models import ApiToken, Membership, Role


@pytest.fixture
def cli_ready(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_users_add_gives_a_unit_and_role(province, cli_ready) -> None:
    assert (
        main(
            [
                "users",
                "add",
                "wang",
                "--unit",
                "370100",
                "--role",
                "city_reviewer",
                "--password",
                "s3cret-Pass!",
            ]
        )
        == 0
    )
    membership = Membership.objects.select_related("user", "unit").get(user__username="wang")
    assert (membership.unit.code, membership.role) == ("370100", Role.CITY_REVIEWER)
    assert membership.user.check_password("s3cret-Pass!")


def test_users_add_rejects_an_unknown_role_or_unit(province, cli_ready, capsys) -> None:
    assert (
        main(["users", "add", "wang", "--unit", "370100", "--role", "boss", "--password", "x"]) == 2
    )
    assert (
        main(["users", "add", "wang", "--unit", "379999", "--role", "leader", "--password", "x"])
        == 2
    )
    err = capsys.readouterr().err
    assert "unknown role 'boss'" in err
    assert "no unit with code 379999" in err
    assert not get_user_model().objects.filter(username="wang").exists()


def test_users_token_prints_a_token_whose_digest_alone_is_stored(
    province, make_member, cli_ready, capsys
) -> None:
    leader = make_member(Role.LEADER, "370000")
    assert main(["users", "token", leader.username, "--name", "dashboard"]) == 0
    token = capsys.readouterr().out.strip()
    stored = ApiToken.objects.get(user=leader)
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
    assert stored.name == "dashboard"
    assert stored.expires is not None
    assert token not in stored.digest
