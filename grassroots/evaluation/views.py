"""Evaluation pages: runs (start, progress) and the league table.

A web request never computes a run: starting one queues it, and `grassroots runs work`
executes it; the run page polls the progress fragment with HTMX until the run is finished.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.engine.outputs import write_result
from grassroots.evaluation.charts import heatmap, heatmap_height, heatmap_option, profile
from grassroots.evaluation.errors import NotAllowed, OutOfScope, RunError
from grassroots.evaluation.exports import heatmap_export, league_export
from grassroots.evaluation.forms import (
    LeagueFilterForm,
    SchemeEditForm,
    StartRunForm,
    latest_versions,
)
from grassroots.evaluation.links import weak_record
from grassroots.evaluation.models import EvaluationRun, RunStatus, SchemeVersion
from grassroots.evaluation.permissions import (
    Visible,
    may_edit_schemes,
    may_export,
    may_run,
    ranks_allowed,
    visibility_for,
)
from grassroots.evaluation.provenance import run_inputs, unit_trace
from grassroots.evaluation.publication import may_publish, publish_run
from grassroots.evaluation.results import stored_frame
from grassroots.evaluation.runs import queue_run, retry_run
from grassroots.evaluation.scheme_summary import summarise, summary_of
from grassroots.evaluation.schemes import save_scheme_version, scheme_of
from grassroots.evaluation.selectors import (
    League,
    get_run_for_user,
    is_national,
    league_run,
    league_table,
    runs_for,
    scope_root,
)
from grassroots.evaluation.templatetags.league_rows import cached_table
from grassroots.files import private_tmp
from grassroots.organisations import versions
from grassroots.organisations.models import Level, Unit
from grassroots.organisations.scope import get_unit_for_user
from grassroots.tables import download, wanted_format

RUNS_SHOWN = 50
COLOUR_MARKS = {"green": "●", "yellow": "▲", "red": "■"}


@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    if not _in_league(request):
        raise Http404("No such page")  # no membership: the page does not exist for them
    runs = runs_for(request.user)
    form = None
    if may_run(request.user):
        form = StartRunForm(request.POST or None, province=versions.owner_for(request.user))
        if request.method == "POST" and form.is_valid():
            try:
                run = queue_run(
                    scheme_version=form.cleaned_data["scheme"],
                    period=form.cleaned_data["period"],
                    source=form.cleaned_data["source"],  # a folder, or INTAKE_SOURCE
                    actor=request.user,
                    sensitivity=form.cleaned_data["sensitivity"],
                    seed=form.cleaned_data["seed"],
                    scope=scope_root(request.user),
                    provisional=form.cleaned_data["provisional"],
                )
            except RunError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("evaluation:run", pk=run.pk)
    elif request.method == "POST":
        raise Http404("No such page")
    latest = runs.filter(status=RunStatus.DONE).first()
    context = {
        "nav": "evaluation",
        "runs": runs[:RUNS_SHOWN],
        "form": form,
        "latest": latest,
        "schemes": latest_versions(versions.owner_for(request.user))
        if may_edit_schemes(request.user)
        else None,
    }
    return render(request, "evaluation/index.html", context)


def _in_league(request: HttpRequest) -> bool:
    from grassroots.organisations.scope import league_units

    return league_units(request.user).exists()


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run, root = league_run(request.user, pk)
    if run.status != RunStatus.DONE:
        context = {"nav": "evaluation", "run": run, "may_retry": may_run(request.user)}
        return render(request, "evaluation/run_progress.html", context)
    form = LeagueFilterForm(request.GET)
    if not form.is_valid():
        form = LeagueFilterForm({})
        form.is_valid()
    fmt = wanted_format(request)  # the page's "export" links: its filters and order
    if fmt is not None and not may_export(request.user):
        raise Http404("No such page")
    league = league_table(
        run=run, user=request.user, with_rows=fmt is not None, root=root, **form.selector_kwargs()
    )
    if fmt is not None:
        return download(league_export(league, request.user), fmt)
    context = {
        "nav": "evaluation",
        "run": run,
        "league": league,
        "filters": form.selector_kwargs(),
        "marks": COLOUR_MARKS,
        "may_export": may_export(request.user),
        "may_publish": may_publish(run=run, actor=request.user),
        "inputs": run_inputs(run, path=league.root.path, user=request.user),
        # Ranks hidden by the province's policy (analysis mode), not by the reader's role.
        "ranks_by_policy": not ranks_allowed(request.user),
        "colour_rule": _colour_rule(league),
        "may_edit_schemes": may_edit_schemes(request.user),
    }
    # The filters and the table (with the rows), cached per everything they show.
    context["table_html"], context["row_count"] = cached_table(request, league, context)
    return render(request, "evaluation/league.html", context)


def _colour_rule(league: League) -> str:
    """How the scheme gives colours, in words (the legend links to it); "" for a role that
    sees no colours. No catalogue is read: the rule is the scheme's own."""
    if not league.visible.colours:
        return ""
    version = league.run.scheme_version
    key = (version.pk, version.yaml_text, get_language() or "")
    words = _COLOUR_WORDS.get(key)
    if words is None:
        summary = summarise(league.scheme, None)
        words = str(summary.colours) if summary else ""
        if len(_COLOUR_WORDS) > 64:
            _COLOUR_WORDS.clear()
        _COLOUR_WORDS[key] = words
    return words


# The words once per scheme version (and its text: a test database may reuse a pk) and
# language: the summary took ~0.4 ms of every league page (issue 20.1).
_COLOUR_WORDS: dict[tuple[int, str, str], str] = {}


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish a draft run (the province administrator of its scope): leaders see it then."""
    run = get_run_for_user(request.user, pk)  # 404: not a run the user may see
    try:
        publish_run(run=run, actor=request.user)
    except OutOfScope:
        raise Http404("No such run") from None
    except NotAllowed as exc:
        return HttpResponse(str(exc), status=403)
    except RunError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Run %(id)s is published.") % {"id": run.pk})
    return redirect("evaluation:run", pk=run.pk)


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a failed run again (who may start runs, on a run they may see)."""
    run = get_run_for_user(request.user, pk)  # 404: not a run the user may see
    if not may_run(request.user):
        raise Http404("No such page")
    try:
        fresh = retry_run(run=run, actor=request.user)
    except RunError as exc:
        messages.error(request, str(exc))
        return redirect("evaluation:run", pk=run.pk)
    messages.success(request, _("Run %(id)s is queued again as run %(new)s.") % {
        "id": run.pk, "new": fresh.pk})  # fmt: skip
    return redirect("evaluation:run", pk=fresh.pk)


@login_required
@require_GET
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment HTMX polls; once finished it tells the page to reload."""
    run = get_run_for_user(request.user, pk)
    response = render(request, "evaluation/_progress.html", {"run": run})
    if run.is_finished:
        response["HX-Refresh"] = "true"
    return response


RANK_COLUMNS = ("rank_peer", "rank_all", "rank_q05", "rank_median", "rank_q95")


def hidden_columns(visible: Visible) -> list[str]:
    """The result columns a role may not see: ranks and intervals, colours and their shares
    (the share of draws in each colour), and the reason, which names both. Without ranks the
    share goes too: under rank tiers it is read off the replicated ranks, and where a tier
    holds one unit it is the share of draws at that very rank (a rank interval's kin)."""
    hidden = [*RANK_COLUMNS, "colour_share", "why"] if not visible.ranks else []
    if not visible.colours:
        hidden += [c for c in ("colour", "colour_share", "why") if c not in hidden]
    return hidden


def _done_run(request: HttpRequest, pk: int) -> EvaluationRun:
    run = get_run_for_user(request.user, pk)
    if run.status != RunStatus.DONE:
        raise Http404("Run not finished")
    return run


@login_required
@require_GET
def heatmap_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = _done_run(request, pk)
    scheme = scheme_of(run.scheme_version)
    root = scope_root(request.user)
    city = request.GET.get("city", "").strip()[:12]
    within = get_unit_for_user(request.user, city) if city else root
    if not within.path.startswith(root.path):
        raise Http404("No such unit")
    visible = visibility_for(request.user, scheme)
    heat = heatmap(run=run, scheme=scheme, path=within.path, visible=visible)
    fmt = wanted_format(request)  # the table's "export" links: the city chosen, in its order
    if fmt is not None:
        if not may_export(request.user):
            raise Http404("No such page")
        return download(heatmap_export(run=run, heat=heat, within=within, user=request.user), fmt)
    context = {
        "may_export": may_export(request.user),
        "nav": "evaluation",
        "run": run,
        "heat": heat,
        "option": heatmap_option(heat),
        "visible": visible,
        "within": within,
        "cities": Unit.objects.filter(path__startswith=root.path, level=Level.CITY),
        "chart_height": heatmap_height(len(heat.rows)),
    }
    return render(request, "evaluation/heatmap.html", context)


@login_required
@require_GET
def unit_profile(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    run = _done_run(request, pk)
    root = scope_root(request.user)
    unit = get_unit_for_user(request.user, code)
    if not unit.path.startswith(root.path):
        raise Http404("No such unit")
    scheme = scheme_of(run.scheme_version)
    visible = visibility_for(request.user, scheme)
    prof = profile(run=run, scheme=scheme, unit=unit, visible=visible)
    if prof.overall is None:
        raise Http404("Unit not in this run")
    context = {
        "nav": "evaluation",
        "run": run,
        "profile": prof,
        "visible": visible,
        "trace": unit_trace(run, scheme=scheme, unit=unit, user=request.user),
        "weak": weak_record(request.user, unit.code),
        # A run over several provinces ranks them together: its rank_all is a national rank.
        "national": is_national(run),
    }
    return render(request, "evaluation/profile.html", context)


@login_required
@require_GET
def export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's results for the units in scope, as the engine writes them (colours filled): the
    analysts' raw long form. The league page's "Excel" link gives the table sent upward."""
    run = _done_run(request, pk)
    if not may_export(request.user):
        raise Http404("No such page")
    visible = visibility_for(request.user, scheme_of(run.scheme_version))
    frame = stored_frame(run, path=scope_root(request.user).path)  # in unit-code order
    frame = frame.drop(columns=hidden_columns(visible), errors="ignore")
    if run.provisional:
        frame.insert(0, "provisional", True)
    with tempfile.TemporaryDirectory(prefix="export-", dir=private_tmp()) as tmp:
        target = Path(tmp) / "result.xlsx"
        write_result(frame, target)
        body = target.read_bytes()
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{"provisional-" if run.provisional else ""}'
        f'evaluation-{run.pk}-{run.period}.xlsx"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def scheme_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Edit a scheme as YAML: the engine checks it, and saving adds a new version."""
    if not may_edit_schemes(request.user):
        raise Http404("No such page")
    province = versions.owner_for(request.user)  # the editor's province owns the edit
    current = versions.current(SchemeVersion, province=province, code=code)
    if current is None:
        raise Http404("No such scheme")
    form = SchemeEditForm(request.POST or None, initial={"yaml_text": current.yaml_text})
    if request.method == "POST" and form.is_valid():
        try:
            save_scheme_version(
                code=code,
                yaml_text=form.cleaned_data["yaml_text"].replace("\r\n", "\n"),
                actor=request.user,
                note=form.cleaned_data["note"],
                province=province,
            )
        except RunError as exc:
            form.add_error("yaml_text", str(exc))
        else:
            return redirect("evaluation:scheme-edit", code=code)
    context = {
        "nav": "evaluation",
        "current": current,
        "form": form,
        "summary": summary_of(current),
        "versions": versions.history(SchemeVersion, province=current.province, code=code),
        "province": province,
    }
    return render(request, "evaluation/scheme_edit.html", context)
