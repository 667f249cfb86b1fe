"""A quarter of party work through the services (issue 15.2–15.3): tasks generated from the plan,
done with evidence by their owners, scored by the reviewer, monthly and quarterly reports, a unit
turning yellow and its warning reaching its secretary; every change audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from grassroots.organisations.models import AuditEntry
from grassroots.party import compute, services
from grassroots.party.models import PartyReport, PartyWarning, Task, TaskStatus
from tests.party.world import PDF, SCORES

Q1 = (dt.date(2024, 1, 1), dt.date(2024, 3, 31))


def run_quarter(world: dict[str, Any], lixia_score: int) -> None:
    admin = world["admin"]
    for code, unit in world["units"].items():
        made = services.generate_tasks(unit=unit, start=Q1[0], end=Q1[1], actor=admin)
        assert len(made) == 6  # two monthly plans, one holder of each post, three months
        for task in made:
            owner_login = task.owner.user or _login_for(task.owner)
            services.complete_task(task=task, actor=owner_login, report="已完成",
                                   evidence_name="记录.pdf", evidence=PDF)  # fmt: skip
            services.score_task(task=Task.objects.get(pk=task.pk), actor=admin,
                                score=Decimal(SCORES.get(code, lixia_score)))  # fmt: skip
    province = world["units"]["370102"].parent.parent
    for month in ("2024-01", "2024-02", "2024-03"):
        compute.produce_month(province=province, month=month, actor=admin)
    compute.produce_quarter(province=province, quarter="2024Q1", actor=admin)


def _login_for(person: Any) -> Any:
    from grassroots.organisations.models import Role
    from tests.party.world import user

    login = user(f"u-{person.unit.code}-{person.staff_number}", Role.STAFF, person.unit.code)
    person.user = login
    person.save()
    return login


def test_a_quarter_turns_lixia_yellow_and_warns_its_secretary(world) -> None:
    run_quarter(world, lixia_score=6)
    # unit totals: tasks 10/10 → 100; 9/10 → 90 (case quality 40.5 + party 9, scaled over 70
    # assessed of 100 with discipline 5 kept); Lixia 6/10; Qingdao 4/10
    reports = {r.unit.code: r for r in PartyReport.objects.filter(subject="unit", period="2024Q1")}
    # assessed: case_quality 45, party_tasks 10, discipline 5 (kept) = 60 of the weight
    # share s: (45 s + 10 s + 5) / 60 × 100
    expected = {code: round((55 * s / 10 + 5) / 60 * 100, 4) for code, s in
                {"370102": 6, "370103": 10, "370104": 9, "370202": 4}.items()}  # fmt: skip
    assert {c: r.total for c, r in reports.items()} == expected
    assert {c: (r.rank, r.colour) for c, r in reports.items()} == {
        "370103": (1, "green"),
        "370104": (2, "green"),
        "370102": (3, "yellow"),
        "370202": (4, "red"),
    }
    assert reports["370102"].why == "rank 3 of 4: ranks 3–3 → yellow"
    warning = PartyWarning.objects.get(report=reports["370102"])
    assert warning.secretary == world["people"]["370102"]["chief"]
    assert warning.colour == "yellow"
    # monthly reports exist for each month, for units, departments and people
    assert PartyReport.objects.filter(kind="monthly", subject="unit").count() == 12
    assert (
        PartyReport.objects.filter(unit__code="370102", period="2024-02", subject="person").count()
        == 3
    )
    assert (
        PartyReport.objects.filter(
            unit__code="370102", period="2024Q1", subject="department"
        ).count()
        == 2
    )
    # every task change is audited: generated, done, scored
    task = Task.objects.filter(unit__code="370102").first()
    assert task is not None
    assert task.status == TaskStatus.SCORED
    actions = AuditEntry.objects.filter(model="party.task", object_id=str(task.pk))
    assert actions.count() == 3


def test_evidence_is_checked_for_type_size_and_content(world, settings) -> None:
    unit = world["units"]["370102"]
    services.generate_tasks(unit=unit, start=Q1[0], end=dt.date(2024, 1, 31), actor=world["admin"])
    task = Task.objects.get(unit=unit, owner=world["people"]["370102"]["branch"])
    owner = world["lixia-branch"]
    with pytest.raises(services.PartyError, match="佐证材料须为PDF、PNG、JPEG"):
        services.complete_task(
            task=task, actor=owner, report="x", evidence_name="a.exe", evidence=b"MZ"
        )
    with pytest.raises(services.PartyError, match="内容与.pdf文件不符"):
        services.complete_task(
            task=task, actor=owner, report="x", evidence_name="a.pdf", evidence=b"PK\x03\x04"
        )
    settings.GRASSROOTS_PARTY_EVIDENCE_MAX_BYTES = 10
    with pytest.raises(services.PartyError, match="不得超过10字节"):
        services.complete_task(
            task=task, actor=owner, report="x", evidence_name="a.pdf", evidence=PDF
        )
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN  # nothing half written
    with pytest.raises(services.NotAllowed):  # someone else's task
        services.complete_task(task=task, actor=world["lixia-prosecutor"], report="x",
                               evidence_name="a.pdf", evidence=PDF)  # fmt: skip


def test_the_reviewer_scores_within_the_points_after_the_owner_is_done(world) -> None:
    unit = world["units"]["370102"]
    services.generate_tasks(unit=unit, start=Q1[0], end=dt.date(2024, 1, 31), actor=world["admin"])
    task = Task.objects.get(unit=unit, owner=world["people"]["370102"]["branch"])
    chief = world["lixia-chief"]
    with pytest.raises(services.PartyError):
        services.score_task(task=task, actor=chief, score=Decimal(5))  # not done yet
    services.complete_task(
        task=task, actor=world["lixia-branch"], report="x", evidence_name="a.pdf", evidence=PDF
    )
    with pytest.raises(services.PartyError, match="评分须在0至10之间"):
        services.score_task(task=Task.objects.get(pk=task.pk), actor=chief, score=Decimal(11))
    with pytest.raises(services.NotAllowed):
        services.score_task(
            task=Task.objects.get(pk=task.pk), actor=world["lixia-prosecutor"], score=Decimal(5)
        )
    scored = services.score_task(
        task=Task.objects.get(pk=task.pk), actor=chief, score=Decimal("8.5")
    )
    assert scored.score == Decimal("8.5")
    assert scored.scored_by == "lixia-chief"


def test_generation_is_idempotent_and_follows_the_post(world) -> None:
    unit = world["units"]["370102"]
    first = services.generate_tasks(unit=unit, start=Q1[0], end=Q1[1], actor=world["admin"])
    again = services.generate_tasks(unit=unit, start=Q1[0], end=Q1[1], actor=world["admin"])
    assert len(first) == 6
    assert again == []
    owners = {t.owner.post for t in first}
    assert owners == {"支部书记", "检察官"}
    with pytest.raises(services.NotAllowed):
        services.generate_tasks(unit=unit, start=Q1[0], end=Q1[1], actor=world["other-committee"])


def test_organisations_follow_the_chain_and_the_roster(world) -> None:
    from grassroots.party.models import OrgKind, PartyOrg

    unit = world["units"]["370102"]
    top = PartyOrg.objects.get(unit=unit, kind=OrgKind.LEADING_GROUP)
    with pytest.raises(services.PartyError):  # a branch directly under the leading group
        services.save_org(
            unit=unit, actor=world["committee"], kind=OrgKind.BRANCH, name="x", parent=top
        )
    stranger = world["people"]["370103"]["branch"]
    with pytest.raises(services.PartyError):
        services.save_org(
            unit=unit,
            actor=world["committee"],
            kind=OrgKind.LEADING_GROUP,
            name="x",
            secretary=stranger,
        )


def test_the_scheme_is_province_versioned_and_checked(world) -> None:
    from grassroots.engine.errors import InputError

    bad = services.shipped_text(services.SCHEME_CODE).replace("weight: 45", "weight: 40")
    with pytest.raises(InputError) as caught:
        services.save_scheme(actor=world["admin"], yaml_text=bad)
    assert "下级权重之和（70）不等于本项权重（75）" in str(caught.value)
    with pytest.raises(services.NotAllowed):
        services.save_scheme(actor=world["committee"], yaml_text=bad)
    from grassroots.party.models import PartySchemeVersion

    assert [v.version for v in PartySchemeVersion.objects.all()] == [2, 1]


def test_the_warning_reaches_the_secretary_as_a_notification_once(world) -> None:
    from grassroots.notifications.models import Notification

    run_quarter(world, lixia_score=6)
    chief = world["lixia-chief"]
    notes = Notification.objects.filter(recipient=chief, kind="party_warning")
    assert notes.count() == 4  # Lixia is yellow in each month and in the quarter
    (note,) = [n for n in notes if n.params["period"] == {"$period": "2024Q1"}]
    assert note.link == "/party/units/370102/"
    # the colour, never the rank nor the band's bounds (Lixia is alone in the band "3–3")
    assert note.params["why"]["$zh"] == "按方案名次段定色 → ▲ 黄"
    from django.utils import translation

    from grassroots.notifications.services import title_of

    with translation.override("zh-hans"):
        assert title_of(note).startswith("历下区人民检察院（370102）在2024年第一季度")
        assert title_of(note).endswith("黄色预警")
    with translation.override("en"):
        assert "2024 Q1" in title_of(note)
        assert "yellow" in title_of(note)
    # producing the quarter again tells nobody twice
    compute.produce_quarter(
        province=world["units"]["370102"].parent.parent, quarter="2024Q1", actor=world["admin"]
    )
    assert Notification.objects.filter(recipient=chief, kind="party_warning").count() == 4


def test_overdue_tasks_are_notified_to_their_owner_once_by_the_scan(world) -> None:

    from grassroots.notifications.models import Notification
    from grassroots.notifications.scans import run_scans

    unit = world["units"]["370102"]
    services.generate_tasks(unit=unit, start=Q1[0], end=dt.date(2024, 1, 31), actor=world["admin"])
    now = dt.datetime(2024, 2, 3, 9, tzinfo=dt.UTC)
    assert run_scans(now)["party-overdue-tasks"] == 2
    assert run_scans(now)["party-overdue-tasks"] == 0
    note = Notification.objects.get(recipient=world["lixia-branch"], kind="party_task_overdue")
    assert note.params["period"] == {"$period": "2024-01"}
