from __future__ import annotations

import pytest
from django.http import Http404

from grassroots.organisations.models import Role
from grassroots.organisations.scope import (
    Action,
    can,
    get_unit_for_user,
    league_units,
    visible_units,
)
from grassroots.organisations.selectors import unit_tree


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def test_grassroots_clerk_gets_404_for_another_county(province, make_member) -> None:
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    assert get_unit_for_user(clerk, "370102").code == "370102"
    for other in ("370103", "370202", "370100", "370000"):
        with pytest.raises(Http404):
            get_unit_for_user(clerk, other)


def test_unknown_code_and_out_of_scope_code_are_both_404(province, make_member) -> None:
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    with pytest.raises(Http404):
        get_unit_for_user(clerk, "999999")


def test_city_reviewer_sees_exactly_its_citys_units(province, make_member, jinan_codes) -> None:
    reviewer = make_member(Role.CITY_REVIEWER, "370100")
    assert codes(visible_units(reviewer)) == jinan_codes


def test_city_reviewer_cannot_see_other_city(province, make_member) -> None:
    reviewer = make_member(Role.CITY_REVIEWER, "370100")
    with pytest.raises(Http404):
        get_unit_for_user(reviewer, "370202")


@pytest.mark.parametrize("role", [Role.PROVINCE_ADMIN, Role.LEADER, Role.AUDITOR])
def test_provincial_roles_see_every_unit(province, make_member, role, every_code) -> None:
    user = make_member(role, "370000")
    assert codes(visible_units(user)) == every_code


def test_user_without_membership_sees_nothing(province, no_membership_user) -> None:
    assert codes(visible_units(no_membership_user)) == set()
    assert unit_tree(no_membership_user) == []
    with pytest.raises(Http404):
        get_unit_for_user(no_membership_user, "370000")


def test_inactive_user_sees_nothing(province, make_member) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    admin.is_active = False
    admin.save()
    assert codes(visible_units(admin)) == set()
    assert not can(admin, Action.VIEW_UNITS)


def test_only_the_province_admin_may_edit_units(province, make_member) -> None:
    unit = province["370102"]
    allowed = {
        role: can(make_member(role, "370000", username=f"u-{role}"), Action.EDIT_UNIT, unit)
        for role in Role
    }
    assert allowed == {role: role == Role.PROVINCE_ADMIN for role in Role}


def test_permission_on_a_unit_outside_scope_is_refused(province, make_member) -> None:
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    assert can(clerk, Action.SUBMIT_DATA, province["370102"])
    assert not can(clerk, Action.SUBMIT_DATA, province["370103"])


def test_an_unknown_action_is_an_error_not_a_refusal(province, make_member) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    with pytest.raises(ValueError, match="edit_unti"):
        can(admin, "edit_unti")


def test_clerk_league_is_own_unit_unless_the_setting_opens_the_city(
    province, make_member, settings, jinan_codes
) -> None:
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    settings.GRASSROOTS_CLERK_SEES_CITY_LEAGUE = False
    assert codes(league_units(clerk)) == {"370102"}
    settings.GRASSROOTS_CLERK_SEES_CITY_LEAGUE = True
    assert codes(league_units(clerk)) == jinan_codes


def test_unit_tree_nests_visible_units_with_child_counts(province, make_member) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    [root] = unit_tree(admin)
    assert root.code == "370000"
    assert root.child_count == 2
    jinan = next(n for n in root.children if n.code == "370100")
    assert [c.code for c in jinan.children] == ["370102", "370103", "370104"]
    assert jinan.child_count == 3


def test_unit_tree_of_a_reviewer_starts_at_the_city(province, make_member) -> None:
    reviewer = make_member(Role.CITY_REVIEWER, "370200")
    [root] = unit_tree(reviewer)
    assert (root.code, [c.code for c in root.children]) == ("370200", ["370202"])
