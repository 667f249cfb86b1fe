"""Publishing a finished run: a draft becomes what leaders, reviewers, clerks and the weak-unit
rules read.

A finished run is a draft that the province administrator and the auditor see. The province
administrator of the run's scope publishes it; a later published run of the same scheme, period
and scope supersedes the earlier one, which stays readable as history. A provisional run (over
data the workflow had not accepted) is never published. Publishing runs the run's follow-ups
(the weak-unit target checks), once its transaction is committed.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.evaluation.actors import user_of
from grassroots.evaluation.errors import NotAllowed, OutOfScope, RunError
from grassroots.evaluation.followups import follow_up
from grassroots.evaluation.models import EvaluationRun, Publication, RunStatus
from grassroots.evaluation.selectors import run_provinces
from grassroots.organisations import audit
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.scope import membership_of


def check_may_publish(*, run: EvaluationRun, actor: Any) -> None:
    """OutOfScope unless the run's units are all in the actor's scope; NotAllowed unless the
    actor is a province administrator."""
    membership = membership_of(actor)
    if membership is None:
        raise OutOfScope(run.pk)
    root = membership.unit.path
    if run.scope_code:
        scope = Unit.objects.filter(code=run.scope_code).values_list("path", flat=True).first()
        covered = scope is not None and scope.startswith(root)
    else:
        covered = all(p.startswith(root) for p in run_provinces(run))
    if not covered:
        raise OutOfScope(run.pk)
    if membership.role != Role.PROVINCE_ADMIN:
        raise NotAllowed(_("Only the province administrator publishes evaluation runs"))


def may_publish(*, run: EvaluationRun, actor: Any) -> bool:
    """Whether the page offers the actor to publish the run now."""
    if run.status != RunStatus.DONE or run.provisional or run.publication != Publication.DRAFT:
        return False
    try:
        check_may_publish(run=run, actor=actor)
    except (OutOfScope, NotAllowed):
        return False
    return True


def publish_run(*, run: EvaluationRun, actor: Any, clock: Clock = timezone.now) -> EvaluationRun:
    """Publish a finished, non-provisional draft run; supersede the run it replaces (audited).

    RunError (for people, in the page language) when the run cannot be published now."""
    with transaction.atomic():
        # Lock every run of the scheme and period (in id order), so two runs published at once
        # cannot both end up the published one: the second waits and then supersedes the first.
        same = list(
            EvaluationRun.objects.select_for_update(of=("self",))
            .filter(scheme_version__code=run.scheme_version.code, period=run.period)
            .select_related("scheme_version")
            .order_by("id")
        )
        locked = next(r for r in same if r.pk == run.pk)
        check_may_publish(run=locked, actor=actor)
        _check_publishable(locked)
        now = clock()
        with audit.tracked(locked, actor=actor, reason="published", clock=clock):
            locked.publication = Publication.PUBLISHED
            locked.published_at = now
            locked.published_by = user_of(actor)
            locked.save(update_fields=["publication", "published_at", "published_by"])
        for earlier in same:
            if earlier.is_published and earlier.pk != locked.pk:
                if _scope_key(earlier) != _scope_key(locked):
                    continue
                reason = f"superseded by run {locked.pk}"
                with audit.tracked(earlier, actor=actor, reason=reason, clock=clock):
                    earlier.publication = Publication.SUPERSEDED
                    earlier.superseded_by = locked
                    earlier.save(update_fields=["publication", "superseded_by"])
        # Follow-ups (the weak-unit target checks) read the committed publication.
        transaction.on_commit(lambda: follow_up(locked))
    return locked


def _scope_key(run: EvaluationRun) -> str | frozenset[str]:
    """What a run is of: the unit it was started for, or else the provinces it ranked (a
    Ningxia run does not supersede a run over Qinghai and Ningxia together)."""
    return run.scope_code or run_provinces(run)


def _check_publishable(run: EvaluationRun) -> None:
    where = {"id": run.pk, "period": run.period}
    if run.status != RunStatus.DONE:
        raise RunError(
            _("Run %(id)s (%(period)s) has not finished successfully: it cannot be published")
            % where
        )
    if run.provisional:
        raise RunError(
            _(
                "Run %(id)s (%(period)s) is provisional (it read data the province has not "
                "accepted): it cannot be published; accept the data and start a new run"
            )
            % where
        )
    if run.publication != Publication.DRAFT:
        raise RunError(_("Run %(id)s (%(period)s) is already published") % where)
