"""The demo province's library: a few dozen cases (some linked across programmes), experience
articles under the province's three columns, brands with plans and awards, and honours of units
and people. Made through the services (so audited and indexed); a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from grassroots.library import services
from grassroots.library.models import Case, CaseLevel, EntryStatus
from grassroots.library.topics import TOPICS
from grassroots.organisations.models import Level, Unit
from grassroots.people.models import Category, Person

SEED = 13
COLUMNS = (("三年攻坚", "Three-year push"), ("攻坚克难", "Tackling hard problems"),
           ("基层检察长谈攻坚", "Grassroots chief prosecutors on the push"))  # fmt: skip

PROGRAMMES = {
    CaseLevel.CITY: "全市检察机关优秀案例评选",
    CaseLevel.PROVINCIAL: "全省检察机关典型案例评选",
    CaseLevel.SPP_TYPICAL: "最高人民检察院典型案例",
    CaseLevel.SPP_GUIDING: "最高人民检察院指导性案例",
}
GRADES = {
    CaseLevel.CITY: "优秀案例",
    CaseLevel.PROVINCIAL: "典型案例",
    CaseLevel.SPP_TYPICAL: "典型案例",
    CaseLevel.SPP_GUIDING: "指导性案例",
}
BRANDS = (
    ("“泉城检护”公益诉讼品牌", "business", "public_interest"),
    ("“红心向党”党建品牌", "party", ""),
    ("“小荷护苗”未成年人检察品牌", "business", "minors"),
    ("“法润万家”检察文化品牌", "culture", ""),
)
HONOURS_UNIT = ("全省先进基层检察院", "全省检察机关集体三等功", "全市文明单位")
HONOURS_PERSON = ("全省优秀检察官", "全省检察业务专家", "全市办案能手", "个人二等功")


def _step(admin: Any, entry: Any, on: dt.date, until: EntryStatus) -> None:
    order = [EntryStatus.RECOMMENDED, EntryStatus.FIRST_REVIEW, EntryStatus.SHORTLISTED,
             EntryStatus.FINAL]  # fmt: skip
    for status in order[: order.index(until) + 1]:
        grade = GRADES[CaseLevel(entry.level)] if status == EntryStatus.FINAL else ""
        services.advance_entry(actor=admin, entry=entry, on=on, grade=grade)


def prepare_library_demo(*, province: str, admin: Any) -> int:
    """Fill the demo province's library; the number of cases made (0 when already there)."""
    root = Unit.objects.get(code=province[:2] + "0000")
    if Case.objects.filter(unit__path__startswith=root.path).exists():
        return 0
    rng = random.Random(SEED)
    grassroots = list(
        Unit.objects.filter(
            path__startswith=root.path, level=Level.GRASSROOTS, active=True
        ).order_by("code")
    )
    lixia = next((u for u in grassroots if u.code == province[:2] + "0102"), grassroots[0])
    units = [lixia] + rng.sample(
        [u for u in grassroots if u != lixia], k=min(14, len(grassroots) - 1)
    )
    columns = [
        services.save_column(actor=admin, province=root, name_zh=zh, name_en=en, position=i)
        for i, (zh, en) in enumerate(COLUMNS)
    ]
    made = 0
    for n, (title, line, keywords, gist) in enumerate(TOPICS * 3):
        unit = units[n % len(units)]
        people = list(Person.objects.filter(unit=unit, category=Category.PROSECUTOR)[:4])
        on = dt.date(2024, 1, 15) + dt.timedelta(days=(n * 23) % 330)
        case = services.save_case(
            actor=admin,
            unit=unit,
            fields={
                "title": title if n < len(TOPICS) else f"{title}（{unit.name_zh[:2]}）",
                "kind": "typical" if n % 5 else "excellent",
                "business_line": line,
                "case_number": f"{unit.code}-{2024}-{n + 1:03d}",
                "keywords": keywords,
                "gist": gist,
                "body": f"<h3>基本案情</h3><p>{gist}</p><h3>检察机关履职过程</h3><p>"
                "检察机关依法审查，查明事实，准确适用法律。</p><h3>典型意义</h3><p>本案体现了"
                "“高质效办好每一个案件”的要求。</p>",
            },
            prosecutors=people[:2],
        )
        made += 1
        level = [CaseLevel.CITY, CaseLevel.PROVINCIAL, CaseLevel.PROVINCIAL, CaseLevel.SPP_TYPICAL][
            n % 4
        ]
        entry = services.add_entry(
            actor=admin, case=case, programme=PROGRAMMES[level], batch=f"{on.year}年第{n % 3 + 1}批",
            level=level, on=on,
        )  # fmt: skip
        until = [EntryStatus.FINAL, EntryStatus.FINAL, EntryStatus.SHORTLISTED,
                 EntryStatus.FIRST_REVIEW, EntryStatus.RECOMMENDED][n % 5]  # fmt: skip
        if n % 7 != 6:  # a few stay in cultivation
            _step(admin, entry, on, until)
        if n % 6 == 0:  # the same case entered again, higher up: linked, counted once
            later = on + dt.timedelta(days=60)
            higher = services.add_entry(
                actor=admin, case=case, programme=PROGRAMMES[CaseLevel.SPP_TYPICAL],
                batch=f"{later.year}年", level=CaseLevel.SPP_TYPICAL, on=later,
            )  # fmt: skip
            _step(admin, higher, later, EntryStatus.FINAL)
    for n, unit in enumerate(units[:10]):
        article = services.save_article(
            actor=admin,
            unit=unit,
            column=columns[n % len(columns)],
            fields={
                "title": f"{unit.name_zh}：以“高质效办好每一个案件”推动基层院建设",
                "author": f"{unit.name_zh}检察长",
                "business_line": "",
                "keywords": "基层院建设 案件质量 三年攻坚",
                "summary": "从补短板、强队伍、树品牌三个方面介绍做法和成效。",
                "body": "<p>一是聚焦案件质量补短板。</p><p>二是聚焦队伍建设强素质。</p>"
                "<p>三是聚焦特色品牌树形象。</p>",
            },
        )
        if n % 4 != 3:
            services.submit_article(actor=admin, article=article)
        if n % 4 in (0, 1):
            services.review_article(
                actor=admin, article=article, publish=True,
                on=dt.date(2024, 2, 1) + dt.timedelta(days=31 * n),
            )  # fmt: skip
    for n, (name, kind, line) in enumerate(BRANDS):
        unit = units[n]
        brand = services.save_brand(
            actor=admin,
            unit=unit,
            fields={
                "name": name, "brand_type": kind, "business_line": line,
                "started_on": dt.date(2023, 3, 1),
                "description": f"<p>{unit.name_zh}打造的特色品牌。</p>",
                "plan": "<ol><li>2023年：建立工作机制</li><li>2024年：形成典型案例</li>"
                "<li>2025年：争创省级品牌</li></ol>",
            },
        )  # fmt: skip
        for stage, (goal, due, status) in enumerate(
            (("建立工作机制", dt.date(2023, 12, 31), "achieved"),
             ("形成一批典型案例", dt.date(2024, 12, 31), "underway"),
             ("争创省级品牌", dt.date(2025, 12, 31), "planned")), start=1):  # fmt: skip
            services.save_goal(actor=admin, brand=brand, stage=stage, goal=goal, due=due,
                               status=status)  # fmt: skip
        if n % 2 == 0:
            services.add_award(actor=admin, brand=brand, title="全省检察机关特色品牌",
                               level="province", on=dt.date(2024, 10, 20),
                               awarding_body="省人民检察院")  # fmt: skip
    for n, unit in enumerate(units[:8]):
        services.save_honour(
            actor=admin, unit=unit, title=HONOURS_UNIT[n % len(HONOURS_UNIT)],
            level="province" if n % 2 == 0 else "city",
            on=dt.date(2024, 1 + n, 10), awarding_body="省人民检察院" if n % 2 == 0 else "市人民检察院",
        )  # fmt: skip
        person = Person.objects.filter(unit=unit, category=Category.PROSECUTOR).first()
        if person is not None:
            services.save_honour(
                actor=admin, unit=unit, person=person, title=HONOURS_PERSON[n % len(HONOURS_PERSON)],
                level="province" if n % 3 == 0 else "city", on=dt.date(2024, 2 + n, 18),
                awarding_body="省人民检察院" if n % 3 == 0 else "市人民检察院",
            )  # fmt: skip
    return made
