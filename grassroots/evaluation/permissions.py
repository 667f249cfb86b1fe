"""Who may see what of an evaluation: scope from organisations, ranks/colours from the scheme.

Since 2024 rankings are an internal analysis aid: the scheme's ``visibility`` lists the roles
that see ranks and colours. The scheme speaks in function names (``city_admin``,
``unit_leader``); ROLE_NAMES maps them onto the app's roles, and an app role name is accepted
as itself so a province can name roles directly in its YAML.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from grassroots.organisations.models import Role
from grassroots.organisations.scope import Action, can, membership_of

if TYPE_CHECKING:  # the scheme's pydantic models are not needed to start Django (issue 20.4)
    from grassroots.engine.scheme import Scheme, Visibility

ROLE_NAMES: dict[str, frozenset[Role]] = {
    "province_admin": frozenset({Role.PROVINCE_ADMIN}),
    "city_admin": frozenset({Role.CITY_REVIEWER}),
    "unit_leader": frozenset({Role.LEADER}),
}


@dataclass(frozen=True)
class Visible:
    """What of a run's results this user may see (the unit scope is applied separately)."""

    ranks: bool
    colours: bool
    # Peer comparisons (the city median, the gap to the peer median, the peers' range): the
    # roles the scheme shows ranks to, whatever the province's ranking policy, since analysis
    # mode hides ranks and league tables but not comparisons with peers.
    peers: bool = False


@lru_cache(maxsize=64)
def roles_named(names: tuple[str, ...]) -> frozenset[Role]:
    roles: set[Role] = set()
    for name in names:
        roles |= ROLE_NAMES.get(name, frozenset())
        if name in Role.values:
            roles.add(Role(name))
    return frozenset(roles)


# Policies that may hide ranks whatever the scheme says (the province's ranking policy, which
# the reports app owns and registers from its ``ready()``: evaluation must not import it).
RankPolicy = Callable[[Any], bool]
_RANK_POLICIES: dict[str, RankPolicy] = {}


def register_rank_policy(name: str, policy: RankPolicy) -> None:
    """Add a policy: ``policy(user)`` False hides ranks from that user on every page."""
    _RANK_POLICIES[name] = policy


def ranks_allowed(user: Any) -> bool:
    """Whether every registered policy lets the user's pages show ranks."""
    return all(policy(user) for policy in _RANK_POLICIES.values())


def visibility_for(user: Any, scheme: Scheme) -> Visible:
    return visible_to(user, scheme.visibility)


def visible_to(user: Any, visibility: Visibility) -> Visible:
    """What a scheme's ``visibility`` block lets the user's role see."""
    membership = membership_of(user)
    if membership is None:
        return Visible(ranks=False, colours=False)
    role = Role(membership.role)
    ranking_role = role in roles_named(visibility.show_ranks_to)
    return Visible(
        ranks=ranking_role and ranks_allowed(user),
        colours=role in roles_named(visibility.show_colours_to),
        peers=ranking_role,
    )


# Who sees a finished run before the province publishes it (and every provisional run).
DRAFT_READERS = frozenset({Role.PROVINCE_ADMIN, Role.AUDITOR})


def sees_drafts(user: Any) -> bool:
    membership = membership_of(user)
    return membership is not None and Role(membership.role) in DRAFT_READERS


def may_run(user: Any) -> bool:
    return can(user, Action.RUN_EVALUATION)


def may_view(user: Any) -> bool:
    return can(user, Action.VIEW_UNITS)


def may_export(user: Any) -> bool:
    return can(user, Action.EXPORT_REPORTS)


def may_edit_schemes(user: Any) -> bool:
    """Only the province administrator edits schemes (weights, colours, peer groups, visibility)."""
    membership = membership_of(user)
    return membership is not None and membership.role == Role.PROVINCE_ADMIN
