"""Stored early warnings: on a change of colour, one per red streak, rank drops, missing data,
gaming; a scoped page with acknowledge/resolve forms (audited).

Demo province (Shandong, seed 1, core-business, runs 2024Q1-Q4 from the generated records),
warnings per quarter, measured with the code before and after issue 11.8:

  quarter  before (on the fly)                      after (stored, scheme defaults)
  2024Q1    65 (65 missing, per indicator)            57 (57 missing, one per unit)
  2024Q2   828 (357 newly red, 367 red again,        268 (58 newly red, 124 red streaks,
               10 bottom tier, 28 rank drop, 66 m.)       28 rank drop, 58 missing)
  2024Q3   833 (342 newly red, 372 red again, 13 bt,  289 (61 newly red, 122 red streaks,
               29 rank drop, 76 missing, 1 susp.)         29 rank drop, 72 missing, 5 suspicious)
  2024Q4   845 (386 newly red, 350 red again, 17 bt,  277 (73 newly red, 112 red streaks,
               28 rank drop, 64 missing)                  28 rank drop, 62 missing, 2 suspicious)

Stored after the four runs: 699 rows (a streak is one row, moved to the latest run). The 2024Q3
suspicious units are the 4 planted gaming units and 1 honest one; 2024Q4: 1 planted, 1 honest.
"""

from __future__ import annotations

from django.urls import reverse

from grassroots.evaluation.models import EarlyWarning, Result, WarningKind, WarningState
from grassroots.evaluation.permissions import Visible
from grassroots.evaluation.warnings import record_warnings, stored_warnings
from grassroots.organisations.models import AuditEntry, Role

ALL = Visible(ranks=True, colours=True)


def _set(run, code: str, node: str, **values) -> None:
    # Test set-up edits stored results directly (runs are immutable through the models).
    Result.objects.filter(run=run, unit_code=code, node=node).update(**values)


def _mine(run, code: str, node: str) -> set[str]:
    return {w.kind for w in EarlyWarning.objects.filter(run=run, unit_code=code, node=node)}


def test_it_stores_newly_red_on_a_change_of_colour_only(runs) -> None:
    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", "quality", colour="green")
    _set(q4, "370102", "quality", colour="red")
    _set(q3, "370103", "quality", colour="yellow")
    _set(q4, "370103", "quality", colour="yellow")
    record_warnings(run=q4)
    assert _mine(q4, "370102", "quality") == {WarningKind.NEWLY_RED}
    assert _mine(q4, "370103", "quality") == set()


def test_a_red_streak_is_one_warning_counting_its_periods(runs) -> None:
    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370103", "quality", colour="red")
    _set(q4, "370103", "quality", colour="red")
    record_warnings(run=q3)
    record_warnings(run=q4)
    streak = EarlyWarning.objects.filter(unit_code="370103", node="quality")
    assert [(w.kind, w.periods, w.first_period, w.run_id) for w in streak] == [
        (WarningKind.RED_RUNNING, 2, "2024Q3", q4.pk)
    ]


def test_recording_a_run_again_changes_nothing(runs) -> None:
    q4 = runs["2024Q4"]
    first = sorted(w.pk for w in record_warnings(run=q4))
    again = sorted(w.pk for w in record_warnings(run=q4))
    assert first == again
    assert EarlyWarning.objects.count() == len(first)


def test_indicators_coloured_by_rank_tier_do_not_warn_by_default(runs) -> None:
    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", "remand_rate", colour="green")
    _set(q4, "370102", "remand_rate", colour="red")
    record_warnings(run=q4)
    assert _mine(q4, "370102", "remand_rate") == set()


def test_it_warns_of_a_rank_drop_of_the_schemes_places(runs) -> None:
    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", "core-business", rank_all=3)
    _set(q4, "370102", "core-business", rank_all=60)
    _set(q3, "370103", "core-business", rank_all=3)
    _set(q4, "370103", "core-business", rank_all=22)  # 19 places: under the default 20
    record_warnings(run=q4)
    assert WarningKind.RANK_DROP in _mine(q4, "370102", "core-business")
    assert WarningKind.RANK_DROP not in _mine(q4, "370103", "core-business")


def test_rank_and_colour_warnings_are_left_out_for_roles_that_may_not_see_them(runs) -> None:
    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", "core-business", rank_all=3, colour="green")
    _set(q4, "370102", "core-business", rank_all=60, colour="red")
    record_warnings(run=q4)
    hidden = Visible(ranks=False, colours=False)
    shown = stored_warnings(run=q4, path="370000/", visible=hidden)
    assert {w.kind for w in shown} <= {WarningKind.MISSING, WarningKind.SUSPICIOUS}
    everything = stored_warnings(run=q4, path="370000/", visible=ALL)
    assert {WarningKind.RANK_DROP, WarningKind.NEWLY_RED} <= {w.kind for w in everything}


def test_the_warnings_page_is_scoped_and_links_to_evidence(runs, member) -> None:
    q4 = runs["2024Q4"]
    _set(q4, "370202", "remand_rate", score=None)
    record_warnings(run=q4)
    url = reverse("evaluation:warnings", args=[q4.pk])
    jinan = member(Role.CITY_REVIEWER, "370100").get(url)
    codes = {w.unit_code for w in jinan.context["page"].paginator.object_list}
    assert codes
    assert all(c.startswith("3701") for c in codes)
    province = member(Role.PROVINCE_ADMIN, "370000").get(url, {"kind": "missing"})
    assert any(w.unit_code == "370202" for w in province.context["page"])
    profile = reverse("evaluation:unit-profile", args=[q4.pk, "370202"])
    assert profile in province.content.decode()
    # The evidence names the indicator in the page's language, never by its code.
    [missing] = [w for w in province.context["page"] if w.unit_code == "370202"]
    assert "remand_rate" in missing.evidence["nodes"]
    assert "remand_rate" not in missing.evidence_text
    assert "退" in missing.evidence_text  # 退回补充侦查率, the remand rate's Chinese name


def test_the_evidence_names_colours_in_the_readers_language(runs, member) -> None:
    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", "quality", colour="green")
    _set(q4, "370102", "quality", colour="red")
    record_warnings(run=q4)
    url = reverse("evaluation:warnings", args=[q4.pk])
    client = member(Role.PROVINCE_ADMIN, "370000")
    page = client.get(url, {"kind": "newly_red"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "● 绿 → ■ 红" in html
    assert "<td>办案质量</td>" in html
    assert "<td>quality</td>" not in html


def test_a_city_reviewer_acknowledges_a_warning_with_a_note_audited(runs, member) -> None:
    q4 = runs["2024Q4"]
    _set(q4, "370102", "remand_rate", score=None)
    record_warnings(run=q4)
    warning = EarlyWarning.objects.get(run=q4, unit_code="370102", kind=WarningKind.MISSING)
    url = reverse("evaluation:warning-state", args=[warning.pk])
    data = {"state": "acknowledged", "note": "上报遗漏，已补报"}
    response = member(Role.CITY_REVIEWER, "370100").post(url, data)
    assert response.status_code == 302
    warning.refresh_from_db()
    assert (warning.state, warning.note) == (WarningState.ACKNOWLEDGED, "上报遗漏，已补报")
    assert warning.changed_by is not None
    entry = AuditEntry.objects.filter(object_id=str(warning.pk)).latest("id")
    assert entry.after == {"state": "acknowledged", "note": "上报遗漏，已补报"}


def test_handling_a_warning_is_404_out_of_scope_and_403_without_the_role(runs, member) -> None:
    q4 = runs["2024Q4"]
    _set(q4, "370102", "remand_rate", score=None)
    record_warnings(run=q4)
    warning = EarlyWarning.objects.get(run=q4, unit_code="370102", kind=WarningKind.MISSING)
    url = reverse("evaluation:warning-state", args=[warning.pk])
    data = {"state": "resolved", "note": ""}
    assert member(Role.CITY_REVIEWER, "370200").post(url, data).status_code == 404
    assert member(Role.LEADER, "370000").post(url, data).status_code == 403
    warning.refresh_from_db()
    assert warning.state == WarningState.NEW


def test_a_bad_state_is_refused_and_changes_nothing(runs, member) -> None:
    q4 = runs["2024Q4"]
    _set(q4, "370102", "remand_rate", score=None)
    record_warnings(run=q4)
    warning = EarlyWarning.objects.get(run=q4, unit_code="370102", kind=WarningKind.MISSING)
    url = reverse("evaluation:warning-state", args=[warning.pk])
    response = member(Role.PROVINCE_ADMIN, "370000").post(url, {"state": "closed"})
    assert response.status_code == 400
    warning.refresh_from_db()
    assert warning.state == WarningState.NEW


def test_the_excel_export_is_scoped_coloured_and_hides_ranks_from_leaders(runs, member) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    url = reverse("evaluation:export-xlsx", args=[runs["2024Q4"].pk])
    leader = member(Role.LEADER, "370000").get(url)
    sheet = load_workbook(BytesIO(leader.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert "rank_all" not in header
    assert "colour" in header
    col = header.index("colour")
    red = next(r for r in sheet.iter_rows(min_row=2) if r[col].value == "red")
    assert red[col].fill.start_color.rgb.endswith("F8696B")
    city = member(Role.CITY_REVIEWER, "370100").get(url)
    codes = {
        r[0].value for r in load_workbook(BytesIO(city.content)).worksheets[0].iter_rows(min_row=2)
    }
    assert codes
    assert all(str(c).startswith("3701") for c in codes)
    assert member(Role.AUDITOR, "370000").get(url).status_code == 404


def test_publishing_a_run_records_its_warnings_and_a_draft_has_none(
    runs, scheme, cases_dir, django_capture_on_commit_callbacks, published
) -> None:
    from grassroots.evaluation.runs import run_evaluation

    with django_capture_on_commit_callbacks(execute=True):
        run = run_evaluation(scheme_version=scheme, period="2024Q4", source=cases_dir, actor=None)
    assert not EarlyWarning.objects.filter(run=run).exists()  # a draft warns no one
    with django_capture_on_commit_callbacks(execute=True):
        published(run)
    assert EarlyWarning.objects.filter(run=run).exists()


def test_the_evidence_names_periods_and_ratios_as_the_glossary_writes_them() -> None:
    """Periods by their names (2024年第一季度, not 2024Q1), the case-to-procedure ratio as 1:x,
    and English counts that take their number."""
    from django.utils import translation

    from grassroots.evaluation.warnings import evidence_text

    running = EarlyWarning(kind=WarningKind.RED_RUNNING, periods=5, first_period="2024Q1")
    once = EarlyWarning(kind=WarningKind.RED_RUNNING, periods=1, first_period="2024Q4")
    evidence = {
        "ratio_norm": 1.8,
        "ratio": 1.2,
        "ratio_fall": 0.33,
        "history": ["2024Q1", "2024Q2"],
    }
    gaming = EarlyWarning(kind=WarningKind.SUSPICIOUS, evidence={**evidence, "events": 2.0})
    with translation.override("zh-hans"):
        assert evidence_text(running) == "连续5期红色，自2024年第一季度起"
        said = evidence_text(gaming)
    assert said.startswith("案-件比 1:1.80 → 1:1.20（较本院2024年第一季度、2024年第二季度的中位数")
    with translation.override("en"):
        assert evidence_text(once) == "red 1 period running, since 2024 Q4"
        assert evidence_text(gaming).startswith("case-to-procedure ratio 1:1.80 → 1:1.20")


# ------------------------------------------- an earlier period published after a later one


def _publish_again(run, scheme, cases_dir, capture, published, changes):
    """A new run of ``run``'s period, its results edited by ``changes`` ({(code, node): values}),
    published (superseding ``run``) with its follow-ups."""
    from grassroots.evaluation.runs import run_evaluation

    again = run_evaluation(scheme_version=scheme, period=run.period, source=cases_dir, actor=None)
    for (code, node), values in changes.items():
        _set(again, code, node, **values)
    with capture(execute=True):
        published(again)
    return again


def test_publishing_an_earlier_period_after_a_later_one_recomputes_the_later_warnings(
    runs, scheme, cases_dir, django_capture_on_commit_callbacks, published
) -> None:
    from grassroots.evaluation.notices import tell_warnings
    from grassroots.notifications.models import Notification

    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", "quality", colour="green")
    _set(q4, "370102", "quality", colour="red")
    _set(q3, "370102", "core-business", rank_all=3)
    _set(q4, "370102", "core-business", rank_all=60)
    record_warnings(run=q3)
    record_warnings(run=q4)
    tell_warnings(q4)
    assert _mine(q4, "370102", "quality") == {WarningKind.NEWLY_RED}
    assert EarlyWarning.objects.get(run=q4, unit_code="370102", kind=WarningKind.RANK_DROP)
    unchanged = {
        (w.pk, w.kind, w.periods, str(w.evidence))
        for w in EarlyWarning.objects.filter(run=q4).exclude(unit_code="370102")
    }
    told = Notification.objects.filter(link__contains=f"runs/{q4.pk}/warnings").count()
    assert told

    # 2024Q3 is published again after 2024Q4: Lixia was red then too, and 50th.
    changes = {
        ("370102", "quality"): {"colour": "red"},
        ("370102", "core-business"): {"rank_all": 50},
    }
    q3b = _publish_again(
        q3, scheme, cases_dir, django_capture_on_commit_callbacks, published, changes
    )
    q3b.refresh_from_db()
    assert q3b.is_published
    # 2024Q4 now continues a red streak that began in 2024Q3, and fell 10 places, not 57.
    [streak] = EarlyWarning.objects.filter(unit_code="370102", node="quality")
    assert (streak.kind, streak.run_id, streak.first_period, streak.periods) == (
        WarningKind.RED_RUNNING,
        q4.pk,
        "2024Q3",
        2,
    )
    assert not EarlyWarning.objects.filter(run=q4, kind=WarningKind.RANK_DROP, unit_code="370102")
    # The other units' warnings of 2024Q4 are the same rows, unchanged.
    assert unchanged <= {
        (w.pk, w.kind, w.periods, str(w.evidence)) for w in EarlyWarning.objects.filter(run=q4)
    }
    # Audited on the later run, naming the publication that caused it; the stale warnings'
    # last states are kept in the log.
    entries = AuditEntry.objects.filter(model="evaluation.evaluationrun", object_id=str(q4.pk))
    assert any(f"run {q3b.pk}" in e.reason for e in entries)
    gone = AuditEntry.objects.filter(model="evaluation.earlywarning", action="delete")
    assert {e.before["kind"] for e in gone} >= {"newly_red", "rank_drop"}
    # Told once more about 2024Q4, for the changed warnings only (Jinan's and the province's
    # users: Lixia is in Jinan); publishing the same again tells no one again.
    again = Notification.objects.filter(link__contains=f"runs/{q4.pk}/warnings").count()
    assert told < again
    _publish_again(q3b, scheme, cases_dir, django_capture_on_commit_callbacks, published, changes)
    assert Notification.objects.filter(link__contains=f"runs/{q4.pk}/warnings").count() == again
    [streak] = EarlyWarning.objects.filter(unit_code="370102", node="quality")
    assert (streak.run_id, streak.periods) == (q4.pk, 2)


def test_what_a_user_entered_on_a_stale_warning_passes_to_the_one_replacing_it(
    runs, scheme, cases_dir, django_capture_on_commit_callbacks, published, member
) -> None:
    """Q4's 'newly red' acknowledged with a note; Q3 published again as red: the streak that
    replaces it on Q4 carries the acknowledgement and the note (not only the audit log)."""
    from django.contrib.auth import get_user_model

    from grassroots.evaluation.models import WarningState
    from grassroots.evaluation.warnings import change_warning_state

    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", "quality", colour="green")
    _set(q4, "370102", "quality", colour="red")
    record_warnings(run=q3)
    record_warnings(run=q4)
    member(Role.CITY_REVIEWER, "370100")
    reviewer = get_user_model().objects.get(username=f"{Role.CITY_REVIEWER}-370100")
    newly = EarlyWarning.objects.get(run=q4, unit_code="370102", node="quality")
    assert newly.kind == WarningKind.NEWLY_RED
    change_warning_state(
        warning=newly, state=WarningState.ACKNOWLEDGED, note="已约谈检察长", actor=reviewer
    )
    _publish_again(
        q3, scheme, cases_dir, django_capture_on_commit_callbacks, published,
        {("370102", "quality"): {"colour": "red"}},
    )  # fmt: skip
    [streak] = EarlyWarning.objects.filter(run=q4, unit_code="370102", node="quality")
    assert streak.kind == WarningKind.RED_RUNNING
    assert (streak.state, streak.note, streak.changed_by) == (
        WarningState.ACKNOWLEDGED,
        "已约谈检察长",
        reviewer,
    )
    assert not EarlyWarning.objects.filter(pk=newly.pk).exists()


def test_a_later_run_that_cannot_be_recomputed_leaves_the_published_runs_warnings_stored(
    runs, scheme, cases_dir, django_capture_on_commit_callbacks, published, monkeypatch
) -> None:
    """One later run's failure is its own (a savepoint): it is logged and left as it was, and
    the run just published still gets its warnings."""
    from grassroots.evaluation import warnings as module

    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", "quality", colour="green")
    _set(q4, "370102", "quality", colour="red")
    record_warnings(run=q3)
    record_warnings(run=q4)
    q4_before = set(EarlyWarning.objects.filter(run=q4).values_list("pk", "kind", "periods"))

    def broken(*args, **kwargs):
        raise RuntimeError("a later run's recomputation failed")

    monkeypatch.setattr(module, "_recompute", broken)
    q3b = _publish_again(
        q3, scheme, cases_dir, django_capture_on_commit_callbacks, published,
        {("370102", "quality"): {"colour": "red"}},
    )  # fmt: skip
    # The published run's own warnings are stored (a unit's missing data here)...
    assert EarlyWarning.objects.filter(run=q3b, unit_code="370102").exists()
    # ...and 2024Q4 is left exactly as it was (its 'newly red' not yet a streak).
    assert (
        set(EarlyWarning.objects.filter(run=q4).values_list("pk", "kind", "periods")) == q4_before
    )
