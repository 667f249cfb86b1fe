"""Bad input, permissions per role and action, and the pairing optimum (tiny province)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from grassroots.assistance.models import (
    Designation,
    Dimension,
    Evidence,
    ExitAssessment,
    ExitDecision,
    ItemStatus,
    Measure,
    MeasureStatus,
    Pairing,
    ProblemSource,
    Target,
    WeakLevel,
    WeakStatus,
)
from grassroots.assistance.selection import Profile, pair_cost, recommend_partners
from grassroots.assistance.services import (
    MAX_EVIDENCE_BYTES,
    AssistanceError,
    add_measure,
    add_problem,
    attach_evidence,
    decide_exit,
    designate_weak_unit,
    pair_weak_unit,
    recommend_exit,
    report_progress,
    set_target,
)
from grassroots.organisations.models import AuditEntry, Role

DAY = dt.date(2024, 3, 1)
CHECKLIST = [
    {
        "item": "Q6",
        "heading": "supervision",
        "kind": "quantitative",
        "status": "met",
        "reason": "r",
    },
    {
        "item": "P1",
        "heading": "political",
        "kind": "qualitative",
        "status": "undecided",
        "reason": "",
    },
]


@pytest.fixture
def weak(province, make_member) -> Designation:
    admin = make_member(Role.PROVINCE_ADMIN, "370000", "admin")
    return designate_weak_unit(
        unit=province["370102"],
        level=WeakLevel.MUNICIPAL,
        designated_on=DAY,
        reasons={Dimension.MANAGEMENT: "case backlog"},
        actor=admin,
    )


def _measure(designation: Designation, actor: object) -> Measure:
    return add_measure(
        designation=designation,
        title="m",
        leader="l",
        department="d",
        created_on=DAY,
        deadline=DAY + dt.timedelta(days=30),
        actor=actor,
    )


def test_it_rejects_a_deadline_before_the_measure_was_created(weak, make_member) -> None:
    city = make_member(Role.CITY_REVIEWER, "370100")
    with pytest.raises(AssistanceError, match="before the measure's creation"):
        add_measure(
            designation=weak,
            title="m",
            leader="l",
            department="d",
            created_on=DAY,
            deadline=DAY - dt.timedelta(days=1),
            actor=city,
        )
    assert not Measure.objects.exists()


def test_it_rejects_a_target_for_an_indicator_the_scheme_lacks(weak, make_member) -> None:
    city = make_member(Role.CITY_REVIEWER, "370100")
    with pytest.raises(AssistanceError, match="no 'happiness_rate'"):
        set_target(
            designation=weak, indicator="happiness_rate", period="2024Q2", value=1, actor=city
        )
    assert not Target.objects.exists()
    set_target(designation=weak, indicator="remand_rate", period="2024Q2", value=20, actor=city)
    assert Target.objects.count() == 1


def test_it_rejects_an_exit_decision_with_qualitative_items_undecided(weak, make_member) -> None:
    city = make_member(Role.CITY_REVIEWER, "370100")
    admin = make_member(Role.PROVINCE_ADMIN, "370000", "admin2")
    assessment = recommend_exit(
        designation=weak, periods=["2024Q1"], checklist=CHECKLIST, reviews={}, on=DAY, actor=city
    )
    with pytest.raises(AssistanceError, match="undecided: P1"):
        decide_exit(
            assessment=assessment,
            decision=ExitDecision.EXIT,
            exit_period="2024Q1",
            on=DAY,
            actor=admin,
        )
    weak.refresh_from_db()
    assert weak.status == WeakStatus.EXIT_RECOMMENDED
    assert not ExitAssessment.objects.get().decision


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [("virus.exe", 10, "not allowed"), ("big.pdf", MAX_EVIDENCE_BYTES + 1, "larger than")],
)
def test_it_rejects_evidence_of_a_disallowed_type_or_size(
    weak, make_member, name, size, message
) -> None:
    measure = _measure(weak, make_member(Role.CITY_REVIEWER, "370100"))
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    with pytest.raises(AssistanceError, match=message):
        attach_evidence(measure=measure, upload=SimpleUploadedFile(name, b"x" * size), actor=clerk)
    assert not Evidence.objects.exists()


def test_it_accepts_a_pdf_as_evidence_and_audits_it(weak, make_member, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    measure = _measure(weak, make_member(Role.CITY_REVIEWER, "370100"))
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    evidence = attach_evidence(
        measure=measure, upload=SimpleUploadedFile("minutes.pdf", b"%PDF-1.4"), actor=clerk
    )
    assert evidence.size == 8
    assert AuditEntry.objects.filter(model="assistance.evidence", unit_code="370102").count() == 1


def test_it_rejects_pairing_a_unit_with_itself_or_another_weak_unit(weak, province) -> None:
    actor = get_user_model().objects.get(username="admin")  # made by the `weak` fixture
    with pytest.raises(AssistanceError, match="itself"):
        pair_weak_unit(designation=weak, partner=province["370102"], actor=actor)
    designate_weak_unit(
        unit=province["370103"],
        level=WeakLevel.MUNICIPAL,
        designated_on=DAY,
        reasons={Dimension.BUSINESS: "low scores"},
        actor=actor,
    )
    with pytest.raises(AssistanceError, match="itself a weak unit"):
        pair_weak_unit(designation=weak, partner=province["370103"], actor=actor)
    assert not Pairing.objects.exists()
    pair_weak_unit(designation=weak, partner=province["370104"], actor=actor)
    assert Pairing.objects.get().partner.code == "370104"


def test_only_the_province_designates_pairs_and_decides(province, make_member) -> None:
    city = make_member(Role.CITY_REVIEWER, "370100")
    with pytest.raises(PermissionDenied):
        designate_weak_unit(
            unit=province["370102"],
            level=WeakLevel.MUNICIPAL,
            designated_on=DAY,
            reasons={Dimension.BUSINESS: "x"},
            actor=city,
        )
    assert not Designation.objects.exists()


def test_city_edits_its_units_plans_but_not_another_citys(weak, province, make_member) -> None:
    jinan = make_member(Role.CITY_REVIEWER, "370100")
    qingdao = make_member(Role.CITY_REVIEWER, "370200")
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    add_problem(
        designation=weak,
        dimension=Dimension.STAFF,
        source=ProblemSource.SURVEY,
        description="too few",
        actor=jinan,
    )
    with pytest.raises(Http404):
        add_problem(
            designation=weak,
            dimension=Dimension.STAFF,
            source=ProblemSource.SURVEY,
            description="too few",
            actor=qingdao,
        )
    with pytest.raises(PermissionDenied):
        _measure(weak, clerk)
    with pytest.raises(PermissionDenied):
        pair_weak_unit(designation=weak, partner=province["370104"], actor=jinan)
    assessment = recommend_exit(
        designation=weak,
        periods=["2024Q1"],
        checklist=CHECKLIST,
        reviews={"P1": (ItemStatus.MET, "minutes")},
        on=DAY,
        actor=jinan,
    )
    with pytest.raises(PermissionDenied):
        decide_exit(
            assessment=assessment,
            decision=ExitDecision.EXIT,
            exit_period="2024Q1",
            on=DAY,
            actor=jinan,
        )


def test_clerk_reports_progress_only_for_its_own_unit(weak, make_member) -> None:
    measure = _measure(weak, make_member(Role.CITY_REVIEWER, "370100"))
    own = make_member(Role.GRASSROOTS_CLERK, "370102")
    other = make_member(Role.GRASSROOTS_CLERK, "370103")
    city = make_member(Role.CITY_REVIEWER, "370100", "city2")
    with pytest.raises(Http404):
        report_progress(
            measure=measure,
            quarter="2024Q1",
            text="t",
            status=MeasureStatus.DONE,
            on=DAY,
            actor=other,
        )
    with pytest.raises(PermissionDenied):
        report_progress(
            measure=measure,
            quarter="2024Q1",
            text="t",
            status=MeasureStatus.DONE,
            on=DAY,
            actor=city,
        )
    report_progress(
        measure=measure, quarter="2024Q1", text="t", status=MeasureStatus.DONE, on=DAY, actor=own
    )
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.DONE


def _brute_force(weak: list[Profile], strong: list[Profile], capacity: int) -> float:
    slots = [s for s in strong for _ in range(capacity)]
    return min(
        sum(pair_cost(w, s) for w, s in zip(weak, chosen, strict=True))
        for chosen in itertools.permutations(slots, len(weak))
    )


def test_pairing_is_optimal_against_brute_force() -> None:
    weak = [Profile("w1", "a", 120, 30), Profile("w2", "a", 400, 60), Profile("w3", "b", 90, 25)]
    strong = [
        Profile("s1", "a", 130, 32),
        Profile("s2", "b", 420, 70),
        Profile("s3", "b", 95, 24),
        Profile("s4", "a", 380, 58),
    ]
    by_code = {p.code: p for p in weak + strong}
    for capacity in (1, 2):
        pairs = recommend_partners(weak, strong, capacity=capacity)
        total = sum(pair_cost(by_code[w], by_code[s]) for w, s in pairs.items())
        assert total == pytest.approx(_brute_force(weak, strong, capacity))
        assert max(list(pairs.values()).count(s) for s in pairs.values()) <= capacity


def test_pairing_prefers_the_same_city_between_equally_sized_partners() -> None:
    weak = [Profile("w", "a", 100, 20)]
    strong = [Profile("far", "b", 100, 20), Profile("near", "a", 100, 20)]
    assert recommend_partners(weak, strong) == {"w": "near"}
