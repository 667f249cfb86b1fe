"""The province's decision pages, fed from stored evaluation runs: designation candidates and the
designate form, partner pairing, contribution awards, and the relapse watch.

Designating, pairing and confirming awards are the province administrator's (403 for other
roles in scope); a unit out of scope is 404. Every write goes through the services (audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from grassroots.assistance.decisions import selectors as decisions
from grassroots.assistance.decisions.forms import (
    AwardsForm,
    AwardWeightsForm,
    CandidateRuleForm,
    ConfirmAwardsForm,
    DesignateForm,
    PairingParamsForm,
)
from grassroots.assistance.models import Designation, WeakLevel, WeakStatus
from grassroots.assistance.permissions import Act, may
from grassroots.assistance.selection import ContributionRule, RelapseRule
from grassroots.assistance.selectors import RankRow, board, designations_for
from grassroots.assistance.services import (
    AssistanceError,
    active_designation,
    confirm_awards,
    designate_weak_unit,
    evidence_storage,
    pair_weak_unit,
)
from grassroots.assistance.stored import rank_visibility, scope_path, stored_periods
from grassroots.files import disk_name
from grassroots.i18n import unit_name
from grassroots.organisations.audit import tracked
from grassroots.organisations.exports import unit_table
from grassroots.organisations.models import Level, Role, Unit
from grassroots.organisations.scope import (
    Action,
    can,
    get_unit_for_user,
    membership_of,
    visible_units,
)
from grassroots.tables import Column, Kind, TableExport, download, wanted_format


def _province_only(request: HttpRequest) -> None:
    """The decision pages are the province administrator's; other roles get 403."""
    membership = membership_of(request.user)
    if membership is None or membership.role != Role.PROVINCE_ADMIN:
        raise PermissionDenied("only the province administrator decides this")


# ------------------------------------------------------------------------------ designation


@login_required
@require_GET
def candidates(request: HttpRequest) -> HttpResponse:
    _province_only(request)
    form = CandidateRuleForm(request.GET or None)
    params = form.cleaned_data if form.is_bound and form.is_valid() else None
    if not form.is_bound:
        params = {f: form.fields[f].initial for f in form.fields}
    found = decisions.candidate_rows(request.user, **params) if params else None
    may_export = can(request.user, Action.EXPORT_REPORTS)
    fmt = wanted_format(request)
    if fmt is not None:
        if not may_export or found is None:
            raise Http404("No such page")
        return download(_candidates_table(request.user, found), fmt)
    context = {"nav": "assistance", "form": form, "found": found, "may_export": may_export}
    return render(request, "assistance/candidates.html", context)


def _candidates_table(user: Any, found: decisions.Candidates) -> TableExport:
    """The candidates as the page lists them, with its rule; each period's rank only where the
    page shows it (the ranking policy), a bottom-tier period marked."""
    columns = [
        Column(_("Unit code")),
        Column(_("Unit")),
        Column(_("City of the unit")),
        Column(_("Times in bottom tier"), Kind.INTEGER),
        *[Column(p, centred=True) for p in found.periods],
        Column(_("Decision")),
    ]

    def shown(h: RankRow) -> str:
        text = f"{h.rank}/{h.ranked}" if h.rank else "—"
        if h.interval:
            text += " " + _("interval %(i)s") % {"i": h.interval}
        return f"{text} ▼" if h.bottom else text

    def periods(row: decisions.CandidateRow) -> list[str]:
        by = {h.period: h for h in row.history}
        return [shown(by[p]) if p in by else "" for p in found.periods]

    body: list[list[object]] = [
        [
            row.unit.code,
            unit_name(row.unit),
            unit_name(row.unit.parent) if row.unit.parent else "",
            row.times_bottom,
            *periods(row),
            row.designation.get_status_display() if row.designation else "",
        ]
        for row in found.rows
    ]
    rule = _("Rule: bottom %(share)s%% in at least %(k)s of %(n)s periods") % {
        "share": round(found.rule.share * 100),
        "k": found.rule.k,
        "n": len(found.periods),
    }
    return unit_table(
        user,
        title=_("Weak-unit candidates"),
        columns=columns,
        rows=body,
        period=", ".join(found.periods),
        notes=(rule, _("▼: the unit was in the bottom tier that period.")),
        frozen_columns=2,
    )


@login_required
@require_http_methods(["GET", "POST"])
def designate(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, code)
    if not may(request.user, Act.DESIGNATE, unit):
        raise PermissionDenied("only the province designates weak units")
    initial = {"designated_on": timezone.localdate(), "level": WeakLevel.PROVINCIAL}
    form = DesignateForm(request.POST or None, request.FILES or None, initial=initial)
    # Only a grassroots unit can be designated (the service says so for any other).
    suggested = unit.level != Level.GRASSROOTS or _suggested_by_the_rule(request.user, unit)
    if not suggested:
        form.require_outside_rule_reason()
    if request.method == "POST" and form.is_valid():
        designation = _designate(request, unit, form)
        if designation is not None:
            return redirect("assistance:plan", code=unit.code)
    history = decisions.unit_rank_history(request.user, unit.code, n=8)
    staff, from_roster = decisions.staff_comparison(request.user, unit)
    context = {"nav": "assistance", "unit": unit, "form": form, "history": history,
               "suggested": suggested, "staff": staff, "staff_from_roster": from_roster}  # fmt: skip
    return render(request, "assistance/designate.html", context)


def _suggested_by_the_rule(user: Any, unit: Unit) -> bool:
    """Whether the candidate rule, with its default parameters, suggests the unit now."""
    rule = CandidateRuleForm()
    params = {name: rule.fields[name].initial for name in rule.fields}
    found = decisions.candidate_rows(user, **params)
    return unit.code in {row.unit.code for row in found.rows}


def _designate(request: HttpRequest, unit: Unit, form: DesignateForm) -> Designation | None:
    """Designate through the service; the evidence file is kept only when everything saved."""
    upload = form.cleaned_data.get("evidence_file")
    saved = ""
    try:
        with transaction.atomic():
            designation = designate_weak_unit(
                unit=unit,
                level=WeakLevel(form.cleaned_data["level"]),
                designated_on=form.cleaned_data["designated_on"],
                reasons=form.reasons(),
                evidence=form.evidence_text(),
                actor=request.user,
            )
            if upload is not None:
                # Under the data directory (0600), never the server's working directory.
                saved = evidence_storage().save(
                    f"designations/{unit.code}/{disk_name(upload.name or 'evidence')}", upload
                )
                with tracked(designation, actor=request.user, reason="evidence file"):
                    designation.evidence_file = saved
                    designation.save()
    except AssistanceError as exc:
        if saved:
            evidence_storage().delete(saved)
        for field, message in exc.problems.items():
            form.add_error(_FORM_FIELDS.get(field), _designation_message(field, message, unit))
        return None
    return designation


# The service names problems by its own argument names; the form shows them on its fields.
_FORM_FIELDS = {"reasons": "reason_business", "level": "level", "designated_on": "designated_on"}


def _designation_message(field: str, message: str, unit: Unit) -> str:
    """The service's refusal in the page's language where the facts say which rule it was."""
    if field == "unit" and active_designation(unit) is not None:
        return _("%(code)s is already designated weak.") % {"code": unit.code}
    if field == "unit" and unit.level != Level.GRASSROOTS:
        return _("Only a grassroots unit can be designated weak.")
    return message


# --------------------------------------------------------------------------------- pairing


@login_required
@require_http_methods(["GET", "POST"])
def pairing(request: HttpRequest) -> HttpResponse:
    _province_only(request)
    periods = stored_periods(path=scope_path(request.user))
    params = PairingParamsForm(request.POST or request.GET or None, periods=periods)
    if params.is_bound and not params.is_valid():
        plan = None
    else:
        chosen = params.cleaned_data if params.is_bound else {}
        plan = decisions.pairing_plan(
            request.user,
            period=chosen.get("period") or (periods[-1] if periods else None),
            capacity=int(chosen.get("capacity") or 1),
        )
    errors: dict[int, str] = {}
    if request.method == "POST" and plan is not None:
        errors = _save_pairings(request, plan)
        if not errors:
            return redirect("assistance:index")
    context = {
        "nav": "assistance",
        "params": params,
        "plan": plan,
        "errors": errors,
        "lines": _lines(request, plan, errors),
        # Partners are strong units: never a weak unit, never the unit itself (the template).
        "choices": visible_units(request.user)
        .filter(level=Level.GRASSROOTS)
        .exclude(code__in=decisions.weak_codes(request.user))
        .order_by("code"),
    }
    return render(request, "assistance/pairing.html", context)


def _lines(
    request: HttpRequest, plan: decisions.PairingPlan | None, errors: dict[int, str]
) -> list[dict[str, Any]]:
    """Each row with the partner and leader the form shows: as posted after an error, else the
    current pairing, else the recommendation."""
    lines = []
    weak_now = decisions.weak_codes(request.user)
    for row in plan.rows if plan else []:
        pk, current = row.designation.pk, row.current
        if request.method == "POST":
            selected = request.POST.get(f"partner-{pk}", "")
            leader = request.POST.get(f"leader-{pk}", "")
        else:
            shown = current.partner if current else row.recommended
            selected = shown.code if shown else ""
            leader = current.contact_leader if current else ""
        partner_weak = current is not None and current.partner.code in weak_now
        lines.append({"row": row, "selected": selected, "leader": leader,
                      "error": errors.get(pk), "partner_weak": partner_weak})  # fmt: skip
    return lines


class _Refused(Exception):
    pass


def _save_pairings(request: HttpRequest, plan: decisions.PairingPlan) -> dict[int, str]:
    """Pair every row as posted, all or nothing; errors by designation id."""
    errors: dict[int, str] = {}
    try:
        with transaction.atomic():
            for row in plan.rows:
                message = _save_pairing(request, row)
                if message:
                    errors[row.designation.pk] = message
            if errors:
                raise _Refused
    except _Refused:
        return errors
    return {}


def _save_pairing(request: HttpRequest, row: decisions.PairingRow) -> str:
    d = row.designation
    code = request.POST.get(f"partner-{d.pk}", "").strip()
    leader = request.POST.get(f"leader-{d.pk}", "").strip()
    if not code:
        return "" if row.current is None else _("Choose a partner.")
    partner = visible_units(request.user).filter(code=code).first()
    if partner is None:
        return _("No unit %(code)s in your scope.") % {"code": code}
    current = row.current
    if current is not None and current.partner.code == code and current.contact_leader == leader:
        return ""  # unchanged
    try:
        pair_weak_unit(
            designation=d,
            partner=partner,
            recommended=row.recommended,
            contact_leader=leader,
            actor=request.user,
        )
    except AssistanceError as exc:
        return _pairing_message(exc, d, partner)
    return ""


def _pairing_message(exc: AssistanceError, d: Designation, partner: Unit) -> str:
    """Why the service refused, in the page's language (read from the facts, not its text)."""
    if partner.pk == d.unit.pk:
        return _("A unit cannot be paired with itself.")
    if active_designation(partner) is not None:
        return _("%(code)s is itself a weak unit; choose a stronger unit.") % {"code": partner.code}
    if partner.level != Level.GRASSROOTS:
        return _("The partner must be a grassroots unit.")
    return "; ".join(exc.problems.values())


# ---------------------------------------------------------------------------------- awards


@login_required
@require_http_methods(["GET", "POST"])
def awards(request: HttpRequest) -> HttpResponse:
    quarters = stored_periods(path=scope_path(request.user))
    can_confirm = _is_province_admin(request)
    if request.method == "POST" and not can_confirm:
        raise PermissionDenied("only the province confirms awards")
    form_class = ConfirmAwardsForm if request.method == "POST" else AwardsForm
    form = form_class(request.POST or request.GET or None, quarters=quarters)
    ranking = None
    if form.is_bound and form.is_valid():
        ranking = _ranking(request, form)
    elif not form.is_bound and quarters:
        ranking = decisions.awards_ranking(request.user, quarter=quarters[-1])
    posted = request.method == "POST" and ranking is not None and form.is_valid()
    if posted and _confirm(request, form, ranking):  # type: ignore[arg-type]
        return redirect(f"{request.path}?quarter={form.cleaned_data['quarter']}")
    context = {
        "nav": "assistance",
        "form": form,
        "ranking": ranking,
        "can_confirm": can_confirm,
        "top": form["top"] if "top" in form.fields else ConfirmAwardsForm(quarters=quarters)["top"],
        "rule": _rule_text(decisions.contribution_rule(request.user)),
        "history": decisions.award_history(request.user),
        "ranks_shown": rank_visibility(request.user).ranks,
    }
    return render(request, "assistance/awards.html", context)


def _is_province_admin(request: HttpRequest) -> bool:
    membership = membership_of(request.user)
    return membership is not None and membership.role == Role.PROVINCE_ADMIN


def _ranking(request: HttpRequest, form: AwardsForm) -> decisions.AwardsRanking | None:
    return decisions.awards_ranking(request.user, quarter=form.cleaned_data["quarter"])


def _confirm(request: HttpRequest, form: Any, ranking: decisions.AwardsRanking) -> bool:
    try:
        confirm_awards(
            quarter=ranking.quarter,
            ranking=ranking.records,
            top=form.cleaned_data["top"],
            rule=decisions.contribution_rule(request.user).describe(),
            on=timezone.localdate(),
            actor=request.user,
        )
    except AssistanceError as exc:
        if "quarter" in exc.problems:
            form.add_error(
                "quarter",
                _("The awards of %(quarter)s are already confirmed.")
                % {"quarter": ranking.quarter},
            )
        else:
            form.add_error(None, "; ".join(exc.problems.values()))
        return False
    return True


def _rule_text(rule: ContributionRule) -> str:
    return _(
        "Points = score gain over the previous quarter + per case selected in the quarter (read "
        "from the library at its final result, a case in several programmes once, at its highest "
        "level): SPP guiding %(g)s, SPP typical %(t)s, provincial %(p)s, city %(c)s + "
        "%(measure)s per rectification measure completed in the quarter."
    ) % {
        "g": f"{rule.per_level.get('spp_guiding', 0):g}",
        "t": f"{rule.per_level.get('spp_typical', 0):g}",
        "p": f"{rule.per_level.get('provincial', 0):g}",
        "c": f"{rule.per_level.get('city', 0):g}",
        "measure": f"{rule.per_measure:g}",
    }


@login_required
@require_http_methods(["GET", "POST"])
def award_weights(request: HttpRequest) -> HttpResponse:
    """The province's weights of the contribution award: its administrator edits them (each
    change audited); anyone else is answered 404."""
    if not _is_province_admin(request):
        raise Http404("No such page")
    province = decisions.province_unit(request.user)
    if province is None:
        raise Http404("No such page")
    weights = decisions.weights_of(province)
    form = AwardWeightsForm(request.POST or None, instance=weights)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic(), tracked(weights, actor=request.user, reason="award weights"):
            form.save()
        return redirect("assistance:awards")
    context = {"nav": "assistance", "form": form, "province": province}
    return render(
        request, "assistance/award_weights.html", context, status=400 if form.errors else 200
    )


# --------------------------------------------------------------------------------- relapse


@dataclass(frozen=True)
class _RelapseRow:
    designation: Designation
    status: Any


@login_required
@require_GET
def relapse(request: HttpRequest) -> HttpResponse:
    rule = RelapseRule()
    rows = [
        _RelapseRow(r.designation, r.relapse)
        for r in board(request.user, today=timezone.localdate(), rule=rule)
        if r.relapse is not None
    ]
    may_export = can(request.user, Action.EXPORT_REPORTS)
    fmt = wanted_format(request)
    if fmt is not None:
        if not may_export:
            raise Http404("No such page")
        return download(_relapse_table(request.user, rows), fmt)
    context = {
        "nav": "assistance",
        "rows": rows,
        "may_export": may_export,
        "rule": _(
            "Warned when the unit is in the province's bottom %(share)s%% %(running)s periods "
            "running, or its overall score falls %(drop)s points below its exit-period score, "
            "within %(months)s months of exit."
        )
        % {
            "share": round(rule.share * 100),
            "running": rule.running,
            "drop": f"{rule.drop:g}",
            "months": rule.months,
        },
        "exited": designations_for(request.user).filter(status=WeakStatus.EXITED).count(),
    }
    return render(request, "assistance/relapse.html", context)


def _relapse_status(status: Any) -> str:
    """The unit's watch in words, as the page says it (assistance/_relapse_status.html)."""
    warning, watched = status.warning, status.watched_periods
    if warning is not None and warning.kind == "drop":
        return _("Relapse warning %(p)s: the score fell from the exit score") % {
            "p": warning.period
        }
    if warning is not None:
        return ngettext(
            "Relapse warning %(p)s: bottom tier %(n)s period running",
            "Relapse warning %(p)s: bottom tier %(n)s periods running",
            status.rule.running,
        ) % {"p": warning.period, "n": status.rule.running}
    if watched:
        return ngettext(
            "No relapse in %(n)s period watched",
            "No relapse in %(n)s periods watched",
            len(watched),
        ) % {"n": len(watched)}
    return _("Watching: no period after exit evaluated yet")


def _relapse_table(user: Any, rows: list[_RelapseRow]) -> TableExport:
    """The relapse watch as the page shows it: a line per unit and period watched (a unit not
    yet evaluated after exit on one line), its rank only where the page shows ranks."""
    ranks = rank_visibility(user).ranks
    columns = [
        Column(_("Unit code")),
        Column(_("Unit")),
        Column(_("City of the unit")),
        Column(_("Exit period")),
        Column(_("Status")),
        Column(_("Period")),
        Column(_("Score"), Kind.NUMBER),
        *([Column(_("Rank"), centred=True)] if ranks else []),
        Column(_("Bottom tier")),
    ]
    body: list[list[object]] = []
    for row in rows:
        unit = row.designation.unit
        head = [
            unit.code,
            unit_name(unit),
            unit_name(unit.parent) if unit.parent else "",
            row.designation.exit_period,
            _relapse_status(row.status),
        ]
        for h in row.status.watched_periods or [None]:
            if h is None:
                body.append([*head, "", None, *([""] if ranks else []), ""])
                continue
            rank = f"{h.rank}/{h.ranked}" if h.rank else "—"
            body.append(
                [
                    *head,
                    h.period,
                    h.score,
                    *([rank] if ranks else []),
                    _("yes") if h.bottom else _("no"),
                ]
            )
    return unit_table(
        user,
        title=_("Relapse watch"),
        columns=columns,
        rows=body,
        frozen_columns=2,
    )
