"""The demo province's party work: for the grassroots units of one city, party organisations
from the roster (院党组 and 机关党委 led by the chief, a branch per department led by its head),
a plan of monthly and quarterly tasks, 2024 done and scored through November (December's tasks
still open, so overdue), a deduction, the monthly and quarterly reports, and a login for Lixia's
secretary, whose unit ends the year yellow.

    demo-secretary  Lixia#Party2024  staff member linked to Lixia's chief (院党组书记)

Idempotent: a unit that already has party organisations is left as it is.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from grassroots.organisations import audit
from grassroots.organisations.models import AuditAction, Level, Role, Unit
from grassroots.party import compute, practice, services
from grassroots.party.models import OrgKind, PartyOrg, Task, TaskStatus
from grassroots.people.demo import _login
from grassroots.people.models import Category, Department, Person

REASON = "demo setup"
YEAR = 2024
SECRETARY = ("demo-secretary", "Lixia#Party2024")
PREFERRED = {"37": "370102"}
PDF = b"%PDF-1.4\n% demo evidence\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PLANS = (
    ("支部主题党日（三会一课）", "party_tasks", "monthly", 10),
    ("办案质效分析", "case_quality", "monthly", 10),
    ("法律监督线索月报", "supervision", "monthly", 10),
)


def _units(province: str) -> list[Unit]:
    root = Unit.objects.get(code=province[:2] + "0000")
    grassroots = Unit.objects.filter(path__startswith=root.path, level=Level.GRASSROOTS)
    preferred = PREFERRED.get(province[:2])
    city = Unit.objects.filter(code=preferred).values_list("parent_id", flat=True).first()
    units = list(grassroots.filter(parent_id=city).order_by("code")) if city else []
    if len(units) < 9:
        units = list(grassroots.order_by("code")[:12])
    return [u for u in units if Person.objects.filter(unit=u, active=True).exists()]


def _share(index: int, lixia: bool, count: int) -> float:
    """What a unit's reviewer gives, as a share of the points: Lixia lands in ranks 5–8."""
    if lixia:
        return 0.83
    return 0.97 - 0.03 * index if index < 4 else 0.8 - 0.02 * (index - 4)


@transaction.atomic
def _organise(unit: Unit, admin: Any) -> Person | None:
    if PartyOrg.objects.filter(unit=unit).exists():
        return None
    people = Person.objects.filter(unit=unit, active=True).order_by("staff_number")
    chief = people.filter(category=Category.LEADER).first() or people.first()
    assert chief is not None
    top = services.save_org(unit=unit, actor=admin, kind=OrgKind.LEADING_GROUP, name="院党组",
                            secretary=chief, members=list(people.filter(category=Category.LEADER)))  # fmt: skip
    organ = services.save_org(unit=unit, actor=admin, kind=OrgKind.ORGAN_COMMITTEE, name="机关党委",
                              parent=top, secretary=chief)  # fmt: skip
    for department in Department.objects.filter(unit=unit, active=True).order_by("code"):
        head = people.filter(department=department, heads_department=True).first()
        if head is None:
            continue
        services.save_org(
            unit=unit, actor=admin, kind=OrgKind.BRANCH, name=f"{department.name}党支部",
            parent=organ, secretary=head, departments=[department],
            members=list(people.filter(department=department)[:30]),
        )  # fmt: skip
        for title, item, recurrence, points in PLANS:
            services.save_plan(unit=unit, actor=admin, title=title, item=item,
                               recurrence=recurrence, points=Decimal(points), reviewer=chief,
                               owner_person=head)  # fmt: skip
    first_head = people.filter(heads_department=True).first()
    if first_head is not None:
        services.save_plan(unit=unit, actor=admin, title="政务信息报送", item="affairs",
                           recurrence="quarterly", points=Decimal(10), reviewer=chief,
                           owner_person=first_head)  # fmt: skip
    services.generate_tasks(unit=unit, start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31),
                            actor=admin)  # fmt: skip
    return chief


def _work(unit: Unit, share: float, admin: Any) -> None:
    """Tasks due before December done and scored at ``share`` of their points (one audit line
    for the unit: the demo's work stands for what owners and reviewers do on the pages)."""
    done = Task.objects.filter(unit=unit, due__lt=dt.date(YEAR, 12, 1), status=TaskStatus.OPEN)
    count = 0
    for i, task in enumerate(done.order_by("id")):
        wobble = ((i * 7) % 5 - 2) * 0.02
        task.status = TaskStatus.SCORED
        task.report = "已按计划完成"
        task.score = (
            task.points * Decimal(str(round(min(max(share + wobble, 0), 1), 2)))
        ).quantize(Decimal("0.01"))
        task.scored_by = "demo"
        task.done_at = task.scored_at = dt.datetime(
            task.due.year, task.due.month, task.due.day, 17, tzinfo=dt.UTC
        )
        task.save()
        count += 1
    audit.record(obj=unit, action=AuditAction.UPDATE, actor=admin, before=None,
                 after={"party_tasks_scored": count}, reason=REASON)  # fmt: skip


def _evidence(unit: Unit) -> None:
    for task in Task.objects.filter(unit=unit, status=TaskStatus.SCORED).order_by("id")[:6]:
        path = services._store(task, "主题党日记录.pdf", PDF)
        task.evidence_name = "主题党日记录.pdf"
        task.evidence_path = str(path.relative_to(services.evidence_root()))
        task.evidence_size = len(PDF)
        task.evidence_type = "application/pdf"
        task.save()


def prepare_party_demo(*, province: str) -> list[tuple[str, str, str, str]]:
    admin = get_user_model().objects.filter(username="demo-admin").first()
    if admin is None:
        return []
    units = _units(province)
    lixia_code = PREFERRED.get(province[:2]) or (units[0].code if units else "")
    chiefs: dict[str, Person] = {}
    fresh = False
    for unit in units:
        chief = _organise(unit, admin)
        if chief is not None:
            chiefs[unit.code] = chief
            fresh = True
    # Before the reports: the warnings of Lixia reach its secretary's login as notifications.
    logins = _secretary_login(lixia_code)
    if fresh:
        others = [u for u in units if u.code != lixia_code]
        for index, unit in enumerate(others):
            _work(unit, _share(index, False, len(units)), admin)
        lixia = next((u for u in units if u.code == lixia_code), None)
        if lixia is not None:
            _work(lixia, _share(0, True, len(units)), admin)
            _evidence(lixia)
            services.add_deduction(unit=lixia, actor=admin, item="discipline", month="2024-11",
                                   points=Decimal(2), reason="会议纪律通报一次")  # fmt: skip
        root = Unit.objects.get(code=province[:2] + "0000")
        _practice(root, units, lixia, admin)
        for month in range(1, 12):
            compute.produce_month(province=root, month=f"{YEAR}-{month:02d}", actor=admin)
        for quarter in range(1, 5):
            compute.produce_quarter(province=root, quarter=f"{YEAR}Q{quarter}", actor=admin)
    return logins


RULES = """第一章 总则
为推动党建与检察业务深度融合，制定本办法。
本办法适用于全院各党支部和各部门。
第二章 考核内容
考核分业务工作、队伍建设和政务工作三部分，权重分别为75%、15%和10%。
考核任务量化到岗、分解到人。
第三章 考核方式
按月报告、按季考核，实行绿、黄、红三色预警。
"""


def _practice(root: Unit, units: list[Unit], lixia: Unit | None, admin: Any) -> None:
    """A pilot, a research contest with its first round scored, a system result and a star."""
    if lixia is None:
        return
    practice.add_pilot(unit=lixia, actor=admin, project="支部建在部门上", started=dt.date(YEAR, 3, 1),
                       department=Department.objects.filter(unit=lixia).order_by("code").first())  # fmt: skip
    contest = practice.open_contest(province=root, actor=admin, title="党建业务融合调研大赛",
                                    rounds=2, finalists=2)  # fmt: skip
    for i, unit in enumerate(units[:6]):
        entry = practice.add_entry(contest=contest, actor=admin, unit=unit, author=f"作者{i + 1}",
                                   title=f"以党建引领检察业务高质量发展的调研（{i + 1}）")  # fmt: skip
        practice.panel_score(entry=entry, actor=admin, score=Decimal(92 - 3 * i))
    practice.save_rules(unit=lixia, actor=admin, code="integration", title="党建业务融合发展考核办法",
                        adopted=dt.date(YEAR, 2, 1), text=RULES)  # fmt: skip
    first = (
        Person.objects.filter(unit=lixia, heads_department=True).order_by("staff_number").first()
    )
    if first is not None:
        practice.select_star(unit=lixia, actor=admin, quarter=f"{YEAR}Q4", person=first,
                             reason="支部主题党日全勤，办案质效居全院前列")  # fmt: skip


def _secretary_login(code: str) -> list[tuple[str, str, str, str]]:
    """The demo secretary's login, linked to the chief of the unit's leading party group."""
    home = Unit.objects.filter(code=code).first()
    org = PartyOrg.objects.filter(unit__code=code, kind=OrgKind.LEADING_GROUP).first()
    if home is None or org is None:
        return []
    user = _login(*SECRETARY, Role.STAFF, home)
    person = org.secretary
    if (
        person is not None
        and person.user_id is None
        and not Person.objects.filter(user=user).exists()
    ):
        with audit.tracked(person, actor=None, reason=REASON):
            person.user = user
            person.save()
    return [(SECRETARY[0], SECRETARY[1], str(Role.STAFF.label), home.name_zh)]
