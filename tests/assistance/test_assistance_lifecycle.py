"""One weak unit's whole life on the generated province: designated → paired → plan → progress
over four quarters (one measure overdue) → targets met → exit recommended and decided → relapse.

Unit 370283 is the generator's planted relapser: weak through 2023, recovering in 2024Q1-Q2,
sliding back in 2024Q4 (see truth.json). Nothing below hard-codes a result: every figure the
test asserts on is computed from the engine's results or from what the test recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest

from grassroots.assistance.models import (
    Dimension,
    ExitDecision,
    ItemStatus,
    MeasureStatus,
    ProblemSource,
    StatusChange,
    WeakLevel,
    WeakStatus,
)
from grassroots.assistance.selection import (
    CandidateRule,
    RelapseRule,
    candidates,
    exit_checklist,
    indicator_values,
    profiles,
    recommend_partners,
    relapse_warnings,
    strong_units,
)
from grassroots.assistance.selectors import check_targets, designations_for, plan_counts
from grassroots.assistance.services import (
    AssistanceError,
    add_measure,
    add_problem,
    decide_exit,
    designate_weak_unit,
    pair_weak_unit,
    recommend_exit,
    report_progress,
    set_target,
)
from grassroots.engine.cases import caseloads
from grassroots.organisations.models import AuditEntry, Role, Unit

RELAPSER = "370283"
CITY = "370200"
QUARTERS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
QUARTER_END = {q: dt.date(2024, 3 * i + 3, 28) for i, q in enumerate(QUARTERS)}


@pytest.mark.django_db
def test_a_weak_unit_walks_through_its_whole_life(generated, generated_units, make_member) -> None:
    folder, results = generated
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    assert truth["relapsing_units"] == [RELAPSER]
    units = generated_units
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    city = make_member(Role.CITY_REVIEWER, CITY)
    clerk = make_member(Role.GRASSROOTS_CLERK, RELAPSER)
    history = results[results["period"] < "2024Q1"]

    # 1. Candidates: bottom third in 3 of the last 4 quarters of 2023, shown with a rank interval.
    found = candidates(history, rule=CandidateRule(k=3, n=4)).set_index("unit_code")
    assert RELAPSER in found.index
    assert found.loc[RELAPSER, "times_bottom"] >= 3
    weak_codes = list(found.index)
    assert len(set(weak_codes) & set(truth["weak_units"])) >= 0.7 * len(weak_codes)

    unit = Unit.objects.get(code=RELAPSER)
    designation = designate_weak_unit(
        unit=unit,
        level=WeakLevel.PROVINCIAL,
        designated_on=dt.date(2024, 1, 10),
        reasons={Dimension.BUSINESS: "bottom third all 2023", Dimension.STAFF: "few procurators"},
        evidence="2023 evaluations",
        actor=admin,
    )

    # 2. Pairing: solved for all candidates at once among the top third of 2023Q4.
    partner_code = _recommended_partner(folder, history, units, weak_codes)
    partner = Unit.objects.get(code=partner_code)
    assert partner_code not in weak_codes
    pair_weak_unit(
        designation=designation,
        partner=partner,
        recommended=partner,
        contact_leader="副检察长 王某",
        actor=admin,
    )

    # 3. The plan: one problem, four measures due one per quarter; the city writes it.
    problem = add_problem(
        designation=designation,
        dimension=Dimension.BUSINESS,
        source=ProblemSource.DATA,
        description="退回补充侦查率偏高",
        actor=city,
    )
    measures = [
        add_measure(
            designation=designation,
            problem=problem,
            title=f"措施{i + 1}",
            leader="检察长",
            department="第一检察部",
            created_on=dt.date(2024, 1, 15),
            deadline=QUARTER_END[q],
            actor=city,
        )
        for i, q in enumerate(QUARTERS)
    ]
    set_target(
        designation=designation,
        indicator="remand_rate",
        period="2024Q2",
        value=25.0,
        actor=city,
    )
    set_target(
        designation=designation,
        indicator="plea_leniency_rate",
        period="2024Q2",
        value=85.0,
        actor=city,
    )

    # 4. Progress over four quarters: every measure but the third is done on time.
    for q in QUARTERS:
        for i, measure in enumerate(measures):
            due = QUARTERS.index(q) >= i and i != 2
            status = MeasureStatus.DONE if due else MeasureStatus.IN_PROGRESS
            report_progress(
                measure=measure,
                quarter=q,
                text=f"{q} 进展",
                status=status,
                on=QUARTER_END[q],
                actor=clerk,
            )
    counts = plan_counts(designations_for(city), today=dt.date(2025, 1, 5))
    assert (counts.problems, counts.measures, counts.done, counts.overdue) == (1, 4, 3, 1)

    # 5. Targets checked against the generated 2024Q2 results.
    checks = check_targets(designation, indicator_values(results, RELAPSER))
    assert [c.met for c in checks] == [True, True]

    # 6. Exit: the city recommends on the checklist of 2024Q2-Q3 (the first quarters wholly
    # after the designation), the province decides.
    periods = ["2024Q2", "2024Q3"]
    checklist = exit_checklist(results, units, unit_code=RELAPSER, periods=periods)
    qualitative = checklist[checklist["kind"] == "qualitative"]["item"].tolist()
    reviews = {code: (ItemStatus.MET, f"{code} 材料齐全") for code in qualitative}
    assessment = recommend_exit(
        designation=designation,
        periods=periods,
        checklist=checklist.to_dict("records"),
        reviews=reviews,
        on=dt.date(2024, 10, 20),
        actor=city,
    )
    assert assessment.items.count() == len(checklist)
    assert assessment.items.filter(quantitative=True, status=ItemStatus.MET).exists()
    # Not every quantitative item is met in 2024Q2-Q3 by the planted unit: exit against the
    # standard needs the province's recorded reason, and the refusal names the items.
    unmet = list(
        assessment.items.filter(quantitative=True)
        .exclude(status=ItemStatus.MET)
        .values_list("code", flat=True)
    )
    assert unmet
    decision = {"assessment": assessment, "decision": ExitDecision.EXIT, "exit_period": "2024Q3",
                "on": dt.date(2024, 10, 30), "actor": admin}  # fmt: skip
    # Each item named by its code and its name in the page's language.
    named = ", ".join(rf"{re.escape(code)} [^,（）]+" for code in unmet)
    with pytest.raises(AssistanceError, match=f"定量项目未达标：{named}）"):
        decide_exit(**decision)
    decide_exit(**decision, override_reason="整改成效明显，经党组研究决定脱薄")
    assessment.refresh_from_db()
    assert assessment.override_reason == "整改成效明显，经党组研究决定脱薄"
    assert AuditEntry.objects.filter(reason__contains="整改成效明显").exists()
    designation.refresh_from_db()
    assert designation.status == WeakStatus.EXITED
    assert list(
        StatusChange.objects.filter(designation=designation).values_list("status", flat=True)
    ) == [
        WeakStatus.DESIGNATED,
        WeakStatus.EXIT_RECOMMENDED,
        WeakStatus.EXITED,
    ]

    # 7. Relapse watch: nothing through 2024Q3, a warning with evidence once 2024Q4 declines.
    exited = {RELAPSER: designation.exit_period}
    rule = RelapseRule()
    assert relapse_warnings(results[results["period"] <= "2024Q3"], exited, rule=rule) == []
    warnings = relapse_warnings(results, exited, rule=rule)
    assert [(w.unit_code, w.period) for w in warnings] == [(RELAPSER, "2024Q4")]
    assert "2024Q4" in warnings[0].evidence

    # Every step left its audit line, scoped to the unit.
    assert AuditEntry.objects.filter(unit_code=RELAPSER).count() >= 20


def _recommended_partner(folder, history, units, weak_codes) -> str:
    load = caseloads(folder)
    strong = set(strong_units(history, period="2023Q4")) - set(weak_codes)
    weak = profiles(units, load, weak_codes)
    pairs = recommend_partners(weak, profiles(units, load, sorted(strong)), capacity=1)
    assert set(pairs) == {w.code for w in weak}
    assert len(set(pairs.values())) == len(pairs)  # capacity 1: each partner helps one unit
    return pairs[RELAPSER]


def test_the_demo_province_pairs_every_planted_weak_unit_with_a_stronger_similar_unit(
    generated,
) -> None:
    folder, results = generated
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    units = pd.read_csv(folder / "units.csv", dtype=str, keep_default_na=False)
    weak_codes = truth["weak_units"]
    load = caseloads(folder)
    strong = sorted(set(strong_units(results, period="2023Q4")) - set(weak_codes))
    weak = {p.code: p for p in profiles(units, load, weak_codes)}
    partners = {p.code: p for p in profiles(units, load, strong)}
    pairs = recommend_partners(list(weak.values()), list(partners.values()), capacity=1)
    assert sorted(pairs) == sorted(weak_codes)
    root = results[(results["level"] == "whole") & (results["period"] == "2023Q4")]
    score = root.set_index("unit_code")["score"]
    for w, s in pairs.items():
        assert score[s] > score[w], (w, s)
        assert 0.5 <= partners[s].caseload / weak[w].caseload <= 2, (w, s)
        assert 0.5 <= partners[s].staff / weak[w].staff <= 2, (w, s)
    same_city = sum(weak[w].city == partners[s].city for w, s in pairs.items())
    assert same_city >= len(pairs) / 2
