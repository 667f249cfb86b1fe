"""Weak-unit decisions fed from stored evaluation runs: the stored long form, candidates with rank
intervals, the designate form, pairing, awards, targets checked when a run finishes, relapse
watch on the board, and who may do each (403 in scope, 404 out of scope)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from grassroots.assistance.decisions import selectors as decisions
from grassroots.assistance.models import (
    Award,
    Designation,
    Dimension,
    Pairing,
    TargetCheck,
    WeakLevel,
    WeakStatus,
)
from grassroots.assistance.plans.selectors import exit_periods
from grassroots.assistance.selection import CandidateRule, bottom_tier, candidates
from grassroots.assistance.selectors import board, target_checks
from grassroots.assistance.services import designate_weak_unit, set_target
from grassroots.assistance.stored import latest_runs, results_for, stored_periods
from grassroots.assistance.targets import record_target_checks
from grassroots.cli import main
from grassroots.evaluation.models import EvaluationRun, Result, RunStatus, SchemeVersion
from grassroots.evaluation.runs import _finish
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.organisations.models import AuditEntry, Role, Unit
from grassroots.organisations.services import issue_token

DAY = dt.date(2024, 8, 1)
# Overall rank per quarter of the tiny province's four grassroots units (1 best of 4; the
# bottom third is ranks 3 and 4). 370104 is always last; 370202 slides after 2023Q3.
RANKS = {
    "2023Q3": {"370102": 3, "370103": 1, "370104": 4, "370202": 2},
    "2023Q4": {"370102": 2, "370103": 1, "370104": 4, "370202": 3},
    "2024Q1": {"370102": 2, "370103": 1, "370104": 4, "370202": 3},
    "2024Q2": {"370102": 3, "370103": 1, "370104": 4, "370202": 2},
}
SCORES = {1: 90.0, 2: 75.0, 3: 65.0, 4: 50.0}
PERSONS = {"370102": 400, "370103": 420, "370104": 380, "370202": 900}
HEADCOUNT = {"370102": 40, "370103": 42, "370104": 38, "370202": 95}


# The scheme's visibility decides who sees the stored runs' ranks (as the shipped schemes say).
def _scheme() -> SchemeVersion:
    """The shipped core-business scheme (ranks for the province and city administrators): the
    rules parse its newest version to know what of the ranks a role sees."""
    from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes

    load_shipped_schemes()
    return latest_scheme_version("core-business")


def _frame(period: str, ranks: dict[str, int], remand: dict[str, float]) -> pd.DataFrame:
    rows = []
    for code, rank in ranks.items():
        rows.append(
            {
                "unit_code": code,
                "period": period,
                "node": "core-business",
                "level": "whole",
                "score": SCORES[rank],
                "rank_all": rank,
                "rank_q05": max(rank - 1, 1),
                "rank_q95": min(rank + 1, 4),
            }
        )
        rows.append(
            {
                "unit_code": code,
                "period": period,
                "node": "remand_rate",
                "level": "indicator",
                "value": remand.get(code, 5.0),
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture
def cases_folder(tmp_path: Path) -> Path:
    """A case-record folder with persons per unit: what pairing counts caseloads in."""
    persons = pd.DataFrame(
        {"unit_code": [c for c, n in PERSONS.items() for _ in range(n)]}  # noqa: C416
    )
    con = duckdb.connect()
    try:
        con.register("persons", persons)
        con.execute(f"copy persons to '{tmp_path / 'persons.parquet'}' (format parquet)")
    finally:
        con.close()
    return tmp_path


@pytest.fixture
def store_run(province, cases_folder, published) -> Callable[..., EvaluationRun]:
    """Store a finished core-business run of ``period`` through the evaluation app's _finish,
    published by the province (``publish=False``: left a draft)."""
    for code, staff in HEADCOUNT.items():
        Unit.objects.filter(code=code).update(headcount=staff)

    def store(
        period: str,
        ranks: dict[str, int] | None = None,
        *,
        remand: dict[str, float] | None = None,
        status: RunStatus = RunStatus.DONE,
        publish: bool = True,
        scope: str = "370000",
    ) -> EvaluationRun:
        run = EvaluationRun.objects.create(
            scheme_version=_scheme(),
            period=period,
            source_path=str(cases_folder),
            status=RunStatus.RUNNING,
            created_at=timezone.now(),
            parameters={"scope": scope},  # the province's run (the default), as the rules read
        )
        frame = _frame(period, ranks or RANKS[period], remand or {})
        if status == RunStatus.DONE:
            done = _finish(run, status=status, frame=frame)
            return published(done) if publish else done
        return _finish(run, status=status, error="failed on purpose")

    return store


@pytest.fixture
def world(store_run, make_member) -> dict[str, object]:
    for period in RANKS:
        store_run(period)
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    return {"admin": admin}


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _designate(code: str, admin: object, *, on: dt.date = DAY) -> Designation:
    return designate_weak_unit(
        unit=Unit.objects.get(code=code),
        level=WeakLevel.PROVINCIAL,
        designated_on=on,
        reasons={Dimension.BUSINESS: "后三分之一"},
        actor=admin,
    )


# ------------------------------------------------------------------------ the stored frame


def test_each_period_reads_its_latest_published_run(world, store_run) -> None:
    later = store_run("2024Q2", {"370102": 1, "370103": 2, "370104": 3, "370202": 4})
    store_run("2024Q2", {"370102": 4, "370103": 3, "370104": 2, "370202": 1}, status="failed")
    assert latest_runs(path="370000/", periods=["2024Q2"])["2024Q2"].pk == later.pk
    frame = results_for(world["admin"], periods=["2024Q2"])
    assert dict(zip(frame["unit_code"], frame["rank_all"], strict=True))["370102"] == 1
    assert stored_periods(path="370000/") == ["2023Q3", "2023Q4", "2024Q1", "2024Q2"]


def test_a_quarter_only_a_city_published_is_not_one_of_the_provinces_quarters(
    world, store_run, make_member
) -> None:
    """A city's run published for a later quarter (the province has none yet) is not the
    province's: "the last N quarters" of every rule stay the province's own (they lost the
    oldest province quarter to it, and the candidates read one quarter fewer), and the period
    pickers of pairing, awards and exit do not offer it."""
    admin = world["admin"]
    four = ["2023Q3", "2023Q4", "2024Q1", "2024Q2"]
    before = decisions.candidate_rows(admin, k=3, n=4, share=33)
    store_run("2024Q3", {"370102": 4, "370103": 3}, scope="370100")
    assert stored_periods(path="370000/") == four
    assert stored_periods(path="370000/370100/") == four  # Jinan reads its province's runs
    found = decisions.candidate_rows(admin, k=3, n=4, share=33)
    assert found.periods == four
    assert [(r.unit.code, r.times_bottom) for r in found.rows] == [
        (r.unit.code, r.times_bottom) for r in before.rows
    ]
    assert exit_periods(Unit.objects.get(code="370104"), "2024Q3")[-1] == "2024Q2"
    client = _client(admin)
    awards = client.get("/assistance/awards/")
    assert awards.status_code == 200
    assert awards.context["form"].fields["quarter"].initial == "2024Q2"
    assert "2024Q3" not in str(awards.context["form"].fields["quarter"].choices)
    token = issue_token(user=admin, name="t", ttl=dt.timedelta(days=1), actor=None).token
    pairing = Client().get(
        "/api/assistance/pairing",
        {"period": "2024Q3"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert pairing.status_code == 422, pairing.content


def test_a_city_reads_its_own_units_but_the_province_bottom_tier(world, make_member) -> None:
    qingdao = make_member(Role.CITY_REVIEWER, "370200")
    frame = results_for(qingdao, periods=stored_periods(path="370000/370200/"))
    assert set(frame["unit_code"]) == {"370202"}
    assert set(frame["ranked"]) == {4}  # the whole run ranked four units
    tier = bottom_tier(frame)
    assert tier.set_index("period")["bottom"].to_dict() == {
        "2023Q3": False,
        "2023Q4": True,
        "2024Q1": True,
        "2024Q2": False,
    }


def test_no_membership_reads_nothing(world, django_user_model) -> None:
    stranger = django_user_model.objects.create_user(username="stranger", password="x")
    assert results_for(stranger, periods=stored_periods(path=None)).empty


def test_candidates_from_stored_runs_follow_the_rule(world) -> None:
    frame = results_for(world["admin"], periods=stored_periods(path="370000/"))
    strict = candidates(frame, rule=CandidateRule(k=3, n=4))
    assert list(strict["unit_code"]) == ["370104"]
    loose = candidates(frame, rule=CandidateRule(k=2, n=4))
    assert set(loose["unit_code"]) == {"370104", "370102", "370202"}


# ------------------------------------------------------------------------- candidates page


def test_the_candidates_page_shows_the_rank_interval_of_every_period(world) -> None:
    page = _client(world["admin"]).get("/assistance/candidates/")
    assert page.status_code == 200
    found = page.context["found"]
    assert [r.unit.code for r in found.rows] == ["370104"]
    history = found.rows[0].history
    assert [h.period for h in history] == list(RANKS)
    assert [(h.rank, h.ranked, h.interval) for h in history] == [(4, 4, "3–4")] * 4
    assert "3–4" in page.content.decode()


def test_the_candidate_rule_parameters_are_editable(world) -> None:
    page = _client(world["admin"]).get("/assistance/candidates/?k=2&n=4&share=33")
    assert {r.unit.code for r in page.context["found"].rows} == {"370104", "370102", "370202"}
    page = _client(world["admin"]).get("/assistance/candidates/?k=1&n=1&share=33")
    assert {r.unit.code for r in page.context["found"].rows} == {"370104", "370102"}


def test_the_candidates_export_the_rule_applied_with_ranks_and_intervals(world) -> None:
    """Issue 18.6: the candidates as Excel with the page's rule (filters) and each period's rank."""
    client = _client(world["admin"])
    response = client.get(
        "/assistance/candidates/", {"k": 2, "n": 4, "share": 33, "format": "xlsx"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 1).value == "相对薄弱基层院候选"
    assert any("规则：4 期中至少 2 期处于末 33%" in str(c.value) for c in sheet["A"][:10])
    top = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "单位代码")
    assert [c.value for c in sheet[top]][4:8] == list(RANKS)
    rows = list(sheet.iter_rows(min_row=top + 1, values_only=True))
    assert {r[0] for r in rows} == {"370104", "370102", "370202"}
    huaiyin = next(r for r in rows if r[0] == "370104")
    assert huaiyin[1:3] == ("槐荫区人民检察院", "济南市人民检察院")
    assert huaiyin[4] == "4/4 区间 3–4 ▼"


def test_bad_candidate_parameters_are_named(world) -> None:
    page = _client(world["admin"]).get("/assistance/candidates/?k=5&n=4&share=33")
    assert page.status_code == 200
    assert page.context["found"] is None
    assert "k" in page.context["form"].errors


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.CITY_REVIEWER, "370100"),
        (Role.GRASSROOTS_CLERK, "370104"),
        (Role.LEADER, "370000"),
        (Role.AUDITOR, "370000"),
    ],
)
def test_only_the_province_sees_candidates_and_pairing(world, make_member, role, code) -> None:
    client = _client(make_member(role, code))
    assert client.get("/assistance/candidates/").status_code == 403
    assert client.get("/assistance/pairing/").status_code == 403
    assert client.post("/assistance/pairing/", {}).status_code == 403


# -------------------------------------------------------------------------- designate form


def _designate_form(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "level": "provincial",
        "designated_on": "2024-08-01",
        "reason_business": "连续四个季度综合排名末位",
        "evidence": "2023Q3–2024Q2 评价结果",
    }
    data.update(extra)
    return data


def test_the_province_designates_with_reasons_and_an_evidence_file(world, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # issue 19.6: evidence under the data directory, 0600
    client = _client(world["admin"])
    page = client.get("/assistance/designate/370104/")
    assert page.status_code == 200
    assert [h.rank for h in page.context["history"]] == [4, 4, 4, 4]
    upload = SimpleUploadedFile("评价结果.pdf", b"%PDF-1.4 evidence", "application/pdf")
    response = client.post("/assistance/designate/370104/", _designate_form(evidence_file=upload))
    assert response.status_code == 302
    d = Designation.objects.get(unit__code="370104")
    assert (d.level, d.designated_on, d.status) == ("provincial", DAY, WeakStatus.DESIGNATED)
    assert d.reasons.get().text == "连续四个季度综合排名末位"
    assert d.evidence_file.endswith(".pdf")
    stored = tmp_path / "assistance-evidence" / d.evidence_file
    assert stored.read_bytes() == b"%PDF-1.4 evidence"
    assert stored.stat().st_mode & 0o777 == 0o600
    assert stored.parent.stat().st_mode & 0o777 == 0o700
    audited = AuditEntry.objects.filter(model="assistance.designation", object_id=str(d.pk))
    assert audited.count() == 2  # created, then its evidence file


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_designate_form(reason_business=""), "reason_business"),
        (_designate_form(level="county"), "level"),
        (_designate_form(designated_on="2024-13-01"), "designated_on"),
        (
            _designate_form(evidence_file=SimpleUploadedFile("x.exe", b"MZ", "application/x")),
            "evidence_file",
        ),
    ],
)
def test_bad_designation_input_is_named_and_nothing_is_saved(world, data, field) -> None:
    before = AuditEntry.objects.count()
    page = _client(world["admin"]).post("/assistance/designate/370104/", data)
    assert page.status_code == 200
    assert field in page.context["form"].errors
    assert not Designation.objects.exists()
    assert AuditEntry.objects.count() == before


def test_a_unit_already_weak_is_not_designated_twice(world) -> None:
    _designate("370104", world["admin"])
    page = _client(world["admin"]).post("/assistance/designate/370104/", _designate_form())
    assert page.status_code == 200
    assert "370104 已确定为相对薄弱基层院" in str(page.context["form"].non_field_errors())
    assert Designation.objects.count() == 1


def test_designation_answers_403_in_scope_and_404_out_of_scope(world, make_member) -> None:
    jinan = _client(make_member(Role.CITY_REVIEWER, "370100"))
    assert jinan.get("/assistance/designate/370104/").status_code == 403
    assert jinan.post("/assistance/designate/370104/", _designate_form()).status_code == 403
    qingdao = _client(make_member(Role.CITY_REVIEWER, "370200"))
    assert qingdao.get("/assistance/designate/370104/").status_code == 404
    assert _client(world["admin"]).get("/assistance/designate/999999/").status_code == 404
    city_unit = _client(world["admin"]).post("/assistance/designate/370100/", _designate_form())
    assert "只有基层院可以确定为相对薄弱基层院" in str(city_unit.context["form"].non_field_errors())
    assert not Designation.objects.exists()


# --------------------------------------------------------------------------------- pairing


def test_pairing_recommends_a_similar_strong_unit_and_says_why(world) -> None:
    _designate("370104", world["admin"])
    page = _client(world["admin"]).get("/assistance/pairing/?period=2024Q2&capacity=1")
    plan = page.context["plan"]
    (row,) = plan.rows
    assert row.recommended.code == "370103"  # the only top-third unit of 2024Q2
    assert row.why.same_city
    assert (row.why.caseload, row.why.partner_caseload) == (380, 420)
    assert (row.why.staff, row.why.partner_staff) == (38, 42)
    # The period is offered by its name, not its key.
    assert '<option value="2024Q2" selected>2024年第二季度</option>' in page.content.decode()


def test_pairing_is_solved_for_all_weak_units_within_capacity(world) -> None:
    for code in ("370104", "370102"):
        _designate(code, world["admin"])
    client = _client(world["admin"])
    one = client.get("/assistance/pairing/?period=2024Q2&capacity=1").context["plan"]
    recommended = {r.designation.unit.code: r.recommended for r in one.rows}
    # One place only: 370102 (400 persons, 40 staff) is closer to 370103 than 370104 is.
    assert recommended["370102"].code == "370103"
    assert recommended["370104"] is None
    two = client.get("/assistance/pairing/?period=2024Q2&capacity=2").context["plan"]
    assert [r.recommended.code for r in two.rows] == ["370103", "370103"]


def test_the_admin_accepts_or_changes_partners_and_leaders(world) -> None:
    weak = _designate("370104", world["admin"])
    response = _client(world["admin"]).post(
        "/assistance/pairing/",
        {
            "period": "2024Q2",
            "capacity": "1",
            f"partner-{weak.pk}": "370202",
            f"leader-{weak.pk}": "副检察长 李某",
        },
    )
    assert response.status_code == 302
    pairing = Pairing.objects.get(designation=weak)
    assert (pairing.partner.code, pairing.recommended.code) == ("370202", "370103")
    assert pairing.contact_leader == "副检察长 李某"
    assert AuditEntry.objects.filter(model="assistance.pairing").count() == 1


@pytest.mark.parametrize(
    ("partner", "message"),
    [("370104", "单位不能与自身结对"), ("370102", "370102 本身是相对薄弱基层院")],
)
def test_a_bad_partner_is_refused_and_nothing_is_saved(world, partner, message) -> None:
    weak = _designate("370104", world["admin"])
    other = _designate("370102", world["admin"])
    page = _client(world["admin"]).post(
        "/assistance/pairing/",
        {
            "period": "2024Q2",
            "capacity": "1",
            f"partner-{other.pk}": "370103",  # a good row: rolled back with the bad one
            f"partner-{weak.pk}": partner,
        },
    )
    assert page.status_code == 200
    assert message in page.context["errors"][weak.pk]
    assert not Pairing.objects.exists()


# ---------------------------------------------------------------------------------- awards


def _library_cases(admin, code: str, levels: list[str], on: dt.date) -> None:
    """Cases of ``code`` selected (定评) at these levels on ``on``, through the library."""
    from grassroots.library import services as library

    unit = Unit.objects.get(code=code)
    for n, level in enumerate(levels):
        case = library.save_case(
            actor=admin, unit=unit,
            fields={"title": f"{code} 案例 {n}", "kind": "typical", "business_line": "criminal"},
        )  # fmt: skip
        entry = library.add_entry(
            actor=admin, case=case, programme=f"评选 {n}", batch="", level=level, on=on
        )
        for step in range(4):
            library.advance_entry(
                actor=admin, entry=entry, on=on, grade="典型" if step == 3 else ""
            )


def test_the_awards_page_ranks_the_quarter_with_the_library_counts(world) -> None:
    # 370104: three provincial cases at 定评 in 2024Q2, one linked to an SPP entry in Q3 (not
    # this quarter), and one city case of 2024Q1 (the quarter before: not counted).
    _library_cases(world["admin"], "370104", ["provincial"] * 3, dt.date(2024, 5, 20))
    _library_cases(world["admin"], "370104", ["city"], dt.date(2024, 3, 31))
    page = _client(world["admin"]).get("/assistance/awards/?quarter=2024Q2")
    ranking = page.context["ranking"]
    assert ranking.previous == "2024Q1"
    points = {r.unit.code: r.points for r in ranking.rows}
    # 370202: 65 → 75 (+10); 370104: no gain + 2 × 3 provincial cases; 370102: 75 → 65 (−10).
    assert points == {"370202": 10.0, "370104": 6.0, "370103": 0.0, "370102": -10.0}
    assert {r.unit.code: r.typical_cases for r in ranking.rows}["370104"] == 3
    assert [r.unit.code for r in ranking.rows][:2] == ["370202", "370104"]
    assert "省级 2" in page.context["rule"]  # the page speaks Chinese first
    assert '<option value="2024Q2" selected>2024年第二季度</option>' in page.content.decode()


def test_the_province_edits_the_weights_audited_and_the_award_reads_them(
    world, make_member
) -> None:
    from grassroots.assistance.models import ContributionWeights
    from grassroots.organisations.models import AuditEntry

    _library_cases(world["admin"], "370104", ["provincial", "spp_typical"], dt.date(2024, 5, 20))
    client = _client(world["admin"])
    assert client.get("/assistance/awards/weights/").status_code == 200
    weights = {"spp_guiding": 10, "spp_typical": 6, "provincial": 3, "city": 1, "per_measure": 1}
    assert client.post("/assistance/awards/weights/", weights).status_code == 302
    assert client.post("/assistance/awards/weights/", {**weights, "city": -1}).status_code == 400
    saved = ContributionWeights.objects.get()
    assert (saved.provincial, saved.spp_typical) == (3.0, 6.0)
    change = AuditEntry.objects.filter(model="assistance.contributionweights").latest("id")
    assert change.reason == "award weights"
    points = {
        r.unit.code: r.points
        for r in client.get("/assistance/awards/?quarter=2024Q2").context["ranking"].rows
    }
    assert points["370104"] == 3.0 + 6.0  # no gain + one provincial + one SPP typical case
    city = _client(make_member(Role.CITY_REVIEWER, "370200"))
    assert city.get("/assistance/awards/weights/").status_code == 404
    assert city.post("/assistance/awards/weights/", weights).status_code == 404


def test_the_province_confirms_awards_once_and_the_history_shows_them(world) -> None:
    _library_cases(world["admin"], "370104", ["provincial"] * 3, dt.date(2024, 6, 30))
    client = _client(world["admin"])
    data = {"quarter": "2024Q2", "top": "2"}
    assert client.post("/assistance/awards/", data).status_code == 302
    awards = list(Award.objects.order_by("rank").values_list("unit__code", "rank", "points"))
    assert awards == [("370202", 1, 10.0), ("370104", 2, 6.0)]
    again = client.post("/assistance/awards/", data)
    assert again.status_code == 200
    assert "2024Q2 的表彰已经确认" in str(again.context["form"].errors["quarter"])
    assert Award.objects.count() == 2
    history = client.get("/assistance/awards/").context["history"]
    assert [(u.code, [a.quarter for a in aw]) for u, aw in history] == [
        ("370104", ["2024Q2"]),
        ("370202", ["2024Q2"]),
    ]


def test_only_the_province_confirms_awards(world, make_member) -> None:
    city = _client(make_member(Role.CITY_REVIEWER, "370200"))
    page = city.get("/assistance/awards/?quarter=2024Q2")
    assert page.status_code == 200
    assert [r.unit.code for r in page.context["ranking"].rows] == ["370202"]
    assert page.context["ranking"].rows[0].rank == 1  # ranked in the province, not the city
    data = {"quarter": "2024Q2", "top": "1"}
    assert city.post("/assistance/awards/", data).status_code == 403
    assert not Award.objects.exists()


# ------------------------------------------------------------------- targets, relapse, board


def test_target_checks_record_the_runs_value_as_a_system_change(world, store_run, make_member):
    city = make_member(Role.CITY_REVIEWER, "370100")
    weak = _designate("370104", world["admin"])
    set_target(designation=weak, indicator="remand_rate", period="2024Q3", value=10, actor=city)
    set_target(designation=weak, indicator="remand_rate", period="2024Q4", value=10, actor=city)
    run = store_run("2024Q3", RANKS["2024Q2"], remand={"370104": 12.5})
    assert not TargetCheck.objects.exists()  # the check waits for the run's commit
    (check,) = record_target_checks(run)  # only the target of the run's period
    assert (check.value, check.met, check.run_id) == (12.5, False, run.pk)
    audited = AuditEntry.objects.filter(model="assistance.targetcheck", object_id=str(check.pk))
    assert audited.get().actor is None


def test_finishing_a_run_stores_target_checks(
    world, store_run, make_member, django_capture_on_commit_callbacks
) -> None:
    city = make_member(Role.CITY_REVIEWER, "370100")
    weak = _designate("370104", world["admin"])
    target = set_target(
        designation=weak, indicator="remand_rate", period="2024Q3", value=10, actor=city
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = store_run("2024Q3", RANKS["2024Q2"], remand={"370104": 8.0})
    check = TargetCheck.objects.get(target=target)
    assert (check.run_id, check.value, check.met) == (run.pk, 8.0, True)
    with django_capture_on_commit_callbacks(execute=True):
        later = store_run("2024Q3", RANKS["2024Q2"], remand={"370104": 11.0})
    (latest,) = [o for o in target_checks(weak) if o.target.pk == target.pk]
    assert (latest.run.pk, latest.met, latest.stored) == (later.pk, False, True)
    assert TargetCheck.objects.filter(target=target).count() == 2  # the history is kept


def test_a_failed_run_checks_nothing(
    world, store_run, make_member, django_capture_on_commit_callbacks
):
    city = make_member(Role.CITY_REVIEWER, "370100")
    weak = _designate("370104", world["admin"])
    set_target(designation=weak, indicator="remand_rate", period="2024Q3", value=10, actor=city)
    with django_capture_on_commit_callbacks(execute=True):
        store_run("2024Q3", RANKS["2024Q2"], status=RunStatus.FAILED)
    assert not TargetCheck.objects.exists()


def test_the_board_shows_targets_met_missed_warnings_and_relapse(world, make_member) -> None:
    admin, city = world["admin"], make_member(Role.CITY_REVIEWER, "370100")
    weak = _designate("370104", admin)
    set_target(designation=weak, indicator="remand_rate", period="2024Q2", value=4, actor=city)
    set_target(designation=weak, indicator="remand_rate", period="2024Q1", value=6, actor=city)
    set_target(designation=weak, indicator="remand_rate", period="2025Q1", value=6, actor=city)
    exited = _designate("370202", admin, on=dt.date(2023, 1, 5))
    Designation.objects.filter(pk=exited.pk).update(status=WeakStatus.EXITED, exit_period="2023Q3")
    page = _client(admin).get("/assistance/")
    rows = {r.designation.unit.code: r for r in page.context["rows"]}
    # remand_rate is 5.0 everywhere and "lower is better": met against 6, missed against 4.
    assert (rows["370104"].targets_met, rows["370104"].targets_checked) == (1, 2)
    assert rows["370104"].targets == 3
    assert [(o.target.period, name) for _, o, name in page.context["missed"]] == [
        ("2024Q2", "退回补充侦查率")
    ]
    relapse = rows["370202"].relapse
    assert relapse.warning.period == "2024Q1"
    assert [(h.period, h.rank, h.bottom) for h in relapse.watched_periods] == [
        ("2023Q4", 3, True),
        ("2024Q1", 3, True),
        ("2024Q2", 2, False),
    ]
    text = page.content.decode()
    assert "1/3" in text
    assert "2023Q4: 3/4" in text
    assert [r.designation.unit.code for r in page.context["relapsing"]] == ["370202"]


def test_the_relapse_page_is_scoped(world, make_member) -> None:
    exited = _designate("370202", world["admin"], on=dt.date(2023, 1, 5))
    Designation.objects.filter(pk=exited.pk).update(status=WeakStatus.EXITED, exit_period="2023Q3")
    qingdao = _client(make_member(Role.CITY_REVIEWER, "370200")).get("/assistance/relapse/")
    assert [r.designation.unit.code for r in qingdao.context["rows"]] == ["370202"]
    assert qingdao.context["rows"][0].status.warning.period == "2024Q1"
    jinan = _client(make_member(Role.CITY_REVIEWER, "370100")).get("/assistance/relapse/")
    assert jinan.context["rows"] == []
    rows = board(make_member(Role.CITY_REVIEWER, "370200", "q2"), today=DAY)
    assert rows[0].relapse.warning.kind == "bottom"


def test_the_relapse_watch_exports_each_period_watched(world, make_member) -> None:
    """Issue 18.6: the relapse watch as Excel: the unit and city by name, the warning in words,
    a line per period watched with its rank (test settings show ranks)."""
    exited = _designate("370202", world["admin"], on=dt.date(2023, 1, 5))
    Designation.objects.filter(pk=exited.pk).update(status=WeakStatus.EXITED, exit_period="2023Q3")
    client = _client(make_member(Role.CITY_REVIEWER, "370200"))
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/assistance/relapse/?format=xlsx").content)
    ).active
    assert sheet.cell(1, 1).value == "返薄观察"
    top = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "单位代码")
    rows = list(sheet.iter_rows(min_row=top + 1, values_only=True))
    assert [(r[0], r[5], r[7], r[8]) for r in rows] == [
        ("370202", "2023Q4", "3/4", "是"),
        ("370202", "2024Q1", "3/4", "是"),
        ("370202", "2024Q2", "2/4", "否"),
    ]
    assert rows[0][2] == "青岛市人民检察院"
    assert "2024Q1" in rows[0][4]  # the warning's period, in words


# ------------------------------------------------------------------------------------- API


def _api(make_member, role: Role, code: str) -> Client:
    user = make_member(role, code, f"api-{role}-{code}")
    token = issue_token(user=user, name="t", ttl=dt.timedelta(days=1), actor=None).token
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_candidates_endpoint_is_the_provinces(world, make_member) -> None:
    admin = _api(make_member, Role.PROVINCE_ADMIN, "370000")
    body = admin.get("/api/assistance/candidates?k=3&n=4").json()
    assert [c["code"] for c in body["candidates"]] == ["370104"]
    assert body["candidates"][0]["history"][0] == {
        "period": "2023Q3",
        "score": 50.0,
        "rank": 4,
        "ranked": 4,
        "rank_q05": 3.0,
        "rank_q95": 4.0,
        "bottom": True,
    }
    assert admin.get("/api/assistance/candidates?k=5&n=4").status_code == 422
    city = _api(make_member, Role.CITY_REVIEWER, "370100")
    assert city.get("/api/assistance/candidates").status_code == 403


def test_the_pairing_endpoint_is_the_provinces(world, make_member) -> None:
    _designate("370104", world["admin"])
    admin = _api(make_member, Role.PROVINCE_ADMIN, "370000")
    body = admin.get("/api/assistance/pairing?period=2024Q2").json()
    assert body["rows"][0]["recommended"] == "370103"
    assert body["rows"][0]["same_city"] is True
    assert admin.get("/api/assistance/pairing?period=2030Q1").status_code == 422
    clerk = _api(make_member, Role.GRASSROOTS_CLERK, "370104")
    assert clerk.get("/api/assistance/pairing").status_code == 403


def test_the_target_checks_endpoint_is_scoped(world, make_member) -> None:
    city = make_member(Role.CITY_REVIEWER, "370100")
    weak = _designate("370104", world["admin"])
    set_target(designation=weak, indicator="remand_rate", period="2024Q2", value=4, actor=city)
    jinan = _api(make_member, Role.CITY_REVIEWER, "370100")
    body = jinan.get("/api/assistance/weak-units/370104/target-checks").json()
    assert [(c["period"], c["value"], c["met"]) for c in body] == [("2024Q2", 5.0, False)]
    qingdao = _api(make_member, Role.CITY_REVIEWER, "370200")
    assert qingdao.get("/api/assistance/weak-units/370104/target-checks").status_code == 404
    board_ = jinan.get("/api/assistance/weak-units").json()
    assert board_["units"][0]["targets_met"] == 0


def test_stored_rows_match_what_was_stored(world) -> None:
    run = latest_runs(path="370000/", periods=["2024Q1"])["2024Q1"]
    assert Result.objects.filter(run=run, level="whole").count() == 4


# ------------------------------------------------------------------------------------- CLI


def test_the_cli_reads_candidates_and_relapse_from_stored_runs(world, settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path
    assert main(["weak", "candidates", "--stored", "--k", "3", "--n", "4"]) == 0
    out = capsys.readouterr().out
    assert "2023Q3, 2023Q4, 2024Q1, 2024Q2" in out.splitlines()[0]
    assert [line.split()[0] for line in out.splitlines()[2:-1]] == ["370104"]
    assert "3-4" in out
    assert main(["weak", "candidates", "--stored", "--to", "2023Q4", "--k", "1", "--n", "2"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()[2:-1]]
    assert listed == ["370104", "370202", "370102"]  # bottom at least once in 2023Q3–2023Q4
    exited = _designate("370202", world["admin"], on=dt.date(2023, 1, 5))
    Designation.objects.filter(pk=exited.pk).update(status=WeakStatus.EXITED, exit_period="2023Q3")
    assert main(["weak", "relapse", "--stored"]) == 0
    assert "370202 2024Q1: bottom tier 2 periods" in capsys.readouterr().out


def test_the_cli_needs_a_source_and_periods(world, settings, tmp_path, capsys) -> None:
    settings.DATA_DIR = tmp_path
    assert main(["weak", "candidates", "--cases", str(tmp_path)]) == 2
    assert "--from and --to" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["weak", "candidates", "--k", "3"])


# ------------------------------------------------------- the generated province, stored runs


@pytest.mark.slow
def test_stored_runs_of_the_generated_province_pair_every_planted_weak_unit(
    generated, generated_units, make_member, published
) -> None:
    """2023 stored as runs (the engine's results of `grassroots generate`): the candidates are
    mostly planted weak units, and pairing gives every planted weak unit a stronger partner."""
    folder, results = generated
    load_shipped_schemes()
    scheme = latest_scheme_version("core-business")
    for period in ("2023Q1", "2023Q2", "2023Q3", "2023Q4"):
        run = EvaluationRun.objects.create(
            scheme_version=scheme,
            period=period,
            source_path=str(folder),
            status=RunStatus.RUNNING,
            created_at=timezone.now(),
        )
        published(_finish(run, status=RunStatus.DONE, frame=results[results["period"] == period]))
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    found = decisions.candidate_rows(admin, k=3, n=4, share=33)
    listed = {r.unit.code for r in found.rows}
    assert len(listed & set(truth["weak_units"])) >= 0.7 * len(listed)
    weak = sorted(listed & set(truth["weak_units"]))
    for code in weak:
        _designate(code, admin)
    plan = decisions.pairing_plan(admin, period="2023Q4", capacity=2)
    assert len(plan.rows) == len(weak) >= 5
    frame = results_for(admin, periods=["2023Q4"]).set_index("unit_code")
    for row in plan.rows:
        code = row.designation.unit.code
        assert row.recommended is not None, code
        assert row.recommended.code not in weak
        assert frame.loc[row.recommended.code, "rank_all"] < frame.loc[code, "rank_all"]
        assert row.why is not None
        assert row.why.cost < 2.0  # similar: within about e² in caseload and staff together
    same_city = sum(r.why.same_city for r in plan.rows if r.why)
    assert same_city >= len(plan.rows) / 2


def test_the_candidates_page_says_when_fewer_periods_are_stored(world) -> None:
    page = _client(world["admin"]).get("/assistance/candidates/?k=3&n=6&share=33")
    assert page.context["found"].periods == list(RANKS)
    assert "最近 6 个季度中只有 4 个季度" in page.content.decode()


def test_pairing_counts_a_units_people_from_its_roster_when_it_has_one(world) -> None:
    """The joint people → assistance: staff size in the pairing distance is the roster's
    headcount for a unit with a roster, the typed headcount for one without."""
    from grassroots.assistance.decisions.selectors import _units_table
    from grassroots.people.models import Category, Person

    lixia = Unit.objects.get(code="370102")
    typed = {r.unit_code: r.headcount for r in _units_table(world["admin"]).itertuples()}
    assert typed["370102"] == lixia.headcount
    for i in range(3):
        Person.objects.create(unit=lixia, staff_number=f"P{i}", name=f"甲{i}",
                              category=Category.PROSECUTOR, birth_year=1985)  # fmt: skip
    counted = {r.unit_code: r.headcount for r in _units_table(world["admin"]).itertuples()}
    assert counted["370102"] == 3
    assert counted["370103"] == typed["370103"]


def test_pairing_offers_only_strong_partners_and_says_the_match_in_words(world) -> None:
    """Guard rails (issue 18.7): no weak unit and never the unit itself among the partners
    offered; the match explained in words, not only a distance."""
    weak = _designate("370104", world["admin"])
    _designate("370102", world["admin"])
    response = _client(world["admin"]).get("/assistance/pairing/?period=2024Q2&capacity=2")
    page = response.content.decode()
    select = re.search(rf'<select name="partner-{weak.pk}".*?</select>', page, re.S)
    assert select is not None
    offered = set(re.findall(r'<option value="(\d{6})"', select.group(0)))
    assert "370103" in offered
    assert "370104" not in offered  # itself
    assert "370102" not in offered  # weak
    assert "办案量 380 与 420：相近" in page
    assert "同一市院" in page


def test_a_partner_that_became_weak_is_flagged(world) -> None:
    URL = "/assistance/pairing/?period=2024Q2&capacity=2"  # noqa: N806
    weak = _designate("370104", world["admin"])
    saved = _client(world["admin"]).post(
        "/assistance/pairing/",
        {"period": "2024Q2", "capacity": "1", f"partner-{weak.pk}": "370103"},
    )
    assert saved.status_code == 302
    assert Pairing.objects.get(designation=weak).partner.code == "370103"
    page = _client(world["admin"]).get(URL).content.decode()
    assert "当前：" in page  # the pairing is shown
    assert "已被确定为相对薄弱基层院" not in page
    _designate("370103", world["admin"])
    page = _client(world["admin"]).get(URL).content.decode()
    assert "已被确定为相对薄弱基层院" in page


def test_designating_a_unit_the_rule_does_not_suggest_asks_why(world) -> None:
    """Guard rail (issue 18.7): 370102 is not a candidate of the default rule (370104 is)."""
    client = _client(world["admin"])
    page = client.get("/assistance/designate/370102/").content.decode()
    assert "目前不在候选名单中" in page
    assert "目前不在候选名单中" not in client.get("/assistance/designate/370104/").content.decode()
    refused = client.post("/assistance/designate/370102/", _designate_form())
    assert refused.status_code == 200
    assert "outside_rule_reason" in refused.context["form"].errors
    assert not Designation.objects.filter(unit__code="370102").exists()
    saved = client.post(
        "/assistance/designate/370102/",
        _designate_form(outside_rule_reason="队伍建设问题突出，经党组研究决定"),
    )
    assert saved.status_code == 302
    designation = Designation.objects.get(unit__code="370102")
    assert "未列入候选名单而认定，理由：队伍建设问题突出" in designation.evidence


def test_the_designate_page_argues_the_staff_dimension_from_the_roster(world) -> None:
    """Issue 14.5: the staff-team figures, counted from the roster, beside the city's median."""
    from django.utils import timezone

    from grassroots.people.models import Category, Person

    year = timezone.localdate().year
    for code, births in {"370104": [year - 30, year - 50], "370103": [year - 30] * 3}.items():
        for i, born in enumerate(births):
            Person.objects.create(
                unit=Unit.objects.get(code=code), staff_number=f"P{code}{i}", name=f"人{i}",
                category=Category.PROSECUTOR, birth_year=born, talent_pool=i == 0,
            )  # fmt: skip
    page = _client(world["admin"]).get("/assistance/designate/370104/")
    assert page.status_code == 200
    rows = {r.code: r for r in page.context["staff"]}
    assert page.context["staff_from_roster"] is True
    assert rows["staff_headcount"].value == 2.0
    assert rows["staff_under_45_share"].value == 50.0
    assert rows["staff_talent_pool_share"].value == 50.0
    # 370103 (100% under 45) and 370104 (50%) are Jinan's units with rosters; 370102 has none.
    assert rows["staff_under_45_share"].city_median == 75.0
    assert "队伍建设" in page.content.decode()
