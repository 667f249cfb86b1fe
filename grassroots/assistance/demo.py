"""The demo province's weak-unit work: what a provincial office would have on file a while after
its 2024 evaluation, entered through the same services the pages use (so it is all audited).

The units are not picked by hand: the candidate rule over the stored runs suggests them (the
generator planted weak units), and the pairing recommendation chooses their partners.
Idempotent: nothing is added once the province has any designation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from grassroots.assistance.decisions.selectors import candidate_rows, pairing_plan
from grassroots.assistance.models import (
    ActivityKind,
    Designation,
    Dimension,
    MeasureStatus,
    ProblemSource,
    WeakLevel,
)
from grassroots.assistance.services import (
    add_measure,
    add_problem,
    designate_weak_unit,
    pair_weak_unit,
    record_activity,
)
from grassroots.organisations.models import Unit

DESIGNATED_ON = dt.date(2025, 1, 20)
PLANNED_ON = dt.date(2025, 2, 10)
MAX_UNITS = 3

# (dimension, source, problem, [(measure, leader, department, deadline, status)])
PLAN: list[tuple[Dimension, ProblemSource, str, list[tuple[str, str, str, dt.date, str]]]] = [
    (
        Dimension.BUSINESS,
        ProblemSource.DATA,
        "案-件比偏高：退回补充侦查、延长审查起诉期限较多，审查起诉质效不高。",
        [
            ("建立退查、延期案件逐案审批和月度通报制度", "分管副检察长", "案件管理部",
             dt.date(2025, 6, 30), MeasureStatus.DONE),
            ("与公安机关建立重大疑难案件提前介入机制", "分管副检察长", "第一检察部",
             dt.date(2026, 12, 31), MeasureStatus.IN_PROGRESS),
        ],
    ),
    (
        Dimension.STAFF,
        ProblemSource.INSPECTION,
        "员额检察官办案经验不足，认罪认罚从宽制度适用不规范。",
        [
            ("选派2名检察官到结对院跟岗学习", "政治部主任", "政治部",
             dt.date(2025, 9, 30), MeasureStatus.DONE),
            ("开展认罪认罚案件量刑建议专题培训", "检察长", "第二检察部",
             dt.date(2026, 9, 30), MeasureStatus.IN_PROGRESS),
        ],
    ),
    (
        Dimension.MANAGEMENT,
        ProblemSource.SURVEY,
        "案件质量评查发现文书说理不充分，内部监督流于形式。",
        [
            ("每季度开展一次案件质量交叉评查", "分管副检察长", "案件管理部",
             dt.date(2027, 3, 31), MeasureStatus.PLANNED),
        ],
    ),
]  # fmt: skip


def seed_demo_assistance(*, province: Unit, admin: Any) -> list[Designation]:
    """Designate the rule's first candidates, pair them, and give each a problem list and plan."""
    if Designation.objects.filter(unit__path__startswith=province.path).exists():
        return []
    found = candidate_rows(admin, k=3, n=4, share=33).rows[:MAX_UNITS]
    designations = []
    for row in found:
        designations.append(
            designate_weak_unit(
                unit=row.unit,
                level=WeakLevel.PROVINCIAL,
                designated_on=DESIGNATED_ON,
                reasons={
                    Dimension.BUSINESS: (
                        f"2024年{len(row.history)}个季度中{row.times_bottom}个季度综合得分"
                        "位于全省后三分之一"
                    ),
                },
                evidence="2024年度基层院核心业务数据评价结果",
                actor=admin,
            )
        )
    plan = pairing_plan(admin, period=found[0].history[-1].period if found else None, capacity=1)
    for pair in plan.rows:
        if pair.recommended is None:
            continue
        pair_weak_unit(
            designation=pair.designation,
            partner=pair.recommended,
            recommended=pair.recommended,
            contact_leader="省院分管副检察长",
            actor=admin,
        )
        record_activity(
            designation=pair.designation,
            kind=ActivityKind.POST_EXCHANGE,
            start=dt.date(2025, 3, 1),
            end=dt.date(2025, 8, 31),
            people=2,
            partner=pair.recommended,
            outcome="两名检察官跟岗办案，带回审查起诉工作流程和文书模板。",
            actor=admin,
        )
    for designation in designations:
        for dimension, source, text, measures in PLAN:
            problem = add_problem(
                designation=designation,
                dimension=dimension,
                source=source,
                description=text,
                actor=admin,
            )
            for title, leader, department, deadline, status in measures:
                add_measure(
                    designation=designation,
                    title=title,
                    leader=leader,
                    department=department,
                    created_on=PLANNED_ON,
                    deadline=deadline,
                    problem=problem,
                    status=MeasureStatus(status),
                    actor=admin,
                )
    return designations
