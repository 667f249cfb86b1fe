"""The three shipped models and a deterministic generator of the datasets they read.

``generate(folder, seed=…, regions=…)`` writes one CSV per dataset (clear identity numbers, as
an agency would send them; the pension file in GB18030, the others UTF-8) and returns the
planted cases: for each model, the identity numbers it must find. Every planted case has
near misses next to it (a payment before custody began, a 缓刑 sentence, an uprating after
correction ended, an allowance paid before death) so a rule that is too loose finds too much.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grassroots.engine.supervision.datasets import Column
from grassroots.engine.supervision.idnumber import make_id


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    title_zh: str
    title_en: str
    agency_zh: str
    legal_basis: str
    columns: tuple[Column, ...]
    encoding: str = "utf-8"


def _cols(*pairs: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(n, k, required=k in ("id_number",)) for n, k in pairs)


PERSON = (("id_number", "id_number"), ("name", "text"), ("region_code", "text"))
DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "pension_payments",
            "养老金发放记录",
            "Pension payments",
            "人力资源和社会保障局",
            "《人民检察院检察建议工作规定》；人社部门数据共享协议",
            _cols(*PERSON, ("pay_month", "date"), ("amount", "decimal"), ("scheme", "text")),
            encoding="gb18030",
        ),
        DatasetSpec(
            "custody_records",
            "在押及服刑人员信息",
            "People in custody or serving sentences",
            "刑事执行检察部门",
            "《人民检察院刑事诉讼规则》",
            _cols(
                *PERSON,
                ("status", "text"),
                ("sentence_type", "text"),
                ("start_date", "date"),
                ("end_date", "date"),
            ),
        ),
        DatasetSpec(
            "pension_upratings",
            "养老金待遇调整记录",
            "Pension upratings",
            "人力资源和社会保障局",
            "劳社部函〔2001〕44号",
            _cols(*PERSON, ("adjust_date", "date"), ("adjust_amount", "decimal")),
        ),
        DatasetSpec(
            "community_corrections",
            "社区矫正对象信息",
            "Community correction subjects",
            "司法局",
            "《中华人民共和国社区矫正法》",
            _cols(
                *PERSON, ("correction_type", "text"), ("start_date", "date"), ("end_date", "date")
            ),
        ),
        DatasetSpec(
            "elderly_allowances",
            "高龄津贴发放记录",
            "Old-age allowance payments",
            "民政局",
            "《老年人权益保障法》",
            _cols(*PERSON, ("pay_month", "date"), ("amount", "decimal")),
        ),
        DatasetSpec(
            "death_records",
            "死亡人员信息（户籍注销）",
            "Deaths (household registration)",
            "公安局",
            "《户口登记条例》",
            _cols(*PERSON, ("death_date", "date")),
        ),
    )
}


@dataclass(frozen=True)
class ModelSpec:
    code: str
    name_zh: str
    name_en: str
    business_line: str
    supervision_point: str
    datasets: tuple[str, ...]
    sql: str
    parameters: dict[str, dict[str, object]] = field(default_factory=dict)


CUSTODY_PENSION = ModelSpec(
    "custody-pension",
    "服刑人员违规领取养老金类案监督模型",
    "Pensions paid to people in custody or serving sentences",
    "行政检察",
    "羁押、服刑期间违规领取基本养老金",
    ("pension_payments", "custody_records"),
    """SELECT p.id_number AS subject,
       any_value(p.region_code) AS unit_code,
       any_value(p.name) AS name,
       any_value(c.sentence_type) AS sentence_type,
       min(c.start_date) AS custody_start,
       count(*) AS months_paid,
       sum(p.amount) AS amount_paid,
       sum(p.amount)::DOUBLE AS risk_score
FROM pension_payments AS p
JOIN custody_records AS c ON c.id_number = p.id_number
WHERE p.pay_month >= c.start_date
  AND p.pay_month <= coalesce(c.end_date, DATE '9999-12-31')
  AND (c.status = '羁押' OR c.sentence_type IN ('拘役', '有期徒刑', '无期徒刑', '死刑缓期执行'))
GROUP BY p.id_number
HAVING count(*) >= $min_months""",
    {"min_months": {"type": "integer", "default": 1}},
)
CORRECTION_UPRATING = ModelSpec(
    "correction-uprating",
    "违规调整社区矫正对象基本养老金待遇类案监督模型",
    "Pension upratings given to people under community correction",
    "行政检察",
    "社区矫正期间违规调整养老金待遇",
    ("pension_upratings", "community_corrections"),
    """SELECT u.id_number AS subject,
       any_value(u.region_code) AS unit_code,
       any_value(u.name) AS name,
       any_value(c.correction_type) AS correction_type,
       count(*) AS upratings,
       sum(u.adjust_amount) AS uprating_amount,
       max(u.adjust_date) AS last_uprating_date,
       sum(u.adjust_amount)::DOUBLE AS risk_score
FROM pension_upratings AS u
JOIN community_corrections AS c ON c.id_number = u.id_number
WHERE u.adjust_date BETWEEN c.start_date AND coalesce(c.end_date, DATE '9999-12-31')
GROUP BY u.id_number""",
)
DECEASED_ALLOWANCE = ModelSpec(
    "deceased-allowance",
    "人员死亡后高龄津贴持续发放类案监督模型",
    "Old-age allowances paid after death",
    "行政检察",
    "人员死亡后津贴持续发放",
    ("elderly_allowances", "death_records"),
    """SELECT a.id_number AS subject,
       any_value(a.region_code) AS unit_code,
       any_value(a.name) AS name,
       any_value(d.death_date) AS death_date,
       count(*) AS months_after_death,
       sum(a.amount) AS amount_after_death,
       sum(a.amount)::DOUBLE AS risk_score
FROM elderly_allowances AS a
JOIN death_records AS d ON d.id_number = a.id_number
WHERE a.pay_month > d.death_date + CAST($grace_days AS INTEGER)
GROUP BY a.id_number""",
    {"grace_days": {"type": "integer", "default": 0}},
)
MODELS = (CUSTODY_PENSION, CORRECTION_UPRATING, DECEASED_ALLOWANCE)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


@dataclass
class Person:
    id_number: str
    name: str
    region_code: str


@dataclass
class Planted:
    """Model code -> the identity numbers it must find; the rows of every dataset."""

    leads: dict[str, set[str]]
    rows: dict[str, list[dict[str, str]]]


def _months(start: dt.date, count: int) -> list[dt.date]:
    out, year, month = [], start.year, start.month
    for _ in range(count):
        out.append(dt.date(year, month, 1))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def build(
    *,
    seed: int = 16,
    regions: Sequence[str] = ("370102", "370103", "370104", "370202"),
    people: int = 120,
) -> Planted:
    """The rows of the six datasets and the planted leads, the same for the same arguments."""
    rng = random.Random(seed)
    persons: list[Person] = []
    for i in range(people):
        born = dt.date(1940 + rng.randrange(25), 1 + rng.randrange(12), 1 + rng.randrange(28))
        region = regions[(i // 6) % len(regions)]  # every group of six spans the regions
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)
        persons.append(Person(make_id(region, born, i), name, region))
    rows: dict[str, list[dict[str, str]]] = {name: [] for name in DATASETS}
    leads: dict[str, set[str]] = {m.code: set() for m in MODELS}
    year = _months(dt.date(2024, 1, 1), 12)

    def person(p: Person) -> dict[str, str]:
        return {"id_number": p.id_number, "name": p.name, "region_code": p.region_code}

    for p in persons:  # everyone is a pensioner and receives the allowance
        for month in year:
            rows["pension_payments"].append(
                {
                    **person(p),
                    "pay_month": month.isoformat(),
                    "amount": f"{2000 + rng.randrange(2000)}.00",
                    "scheme": "企业职工基本养老保险",
                }
            )
            rows["elderly_allowances"].append(
                {**person(p), "pay_month": month.isoformat(), "amount": "100.00"}
            )
        rows["pension_upratings"].append(
            {
                **person(p),
                "adjust_date": "2024-07-01",
                "adjust_amount": f"{60 + rng.randrange(80)}.00",
            }
        )
    groups = [persons[i::6] for i in range(6)]
    # Model 1: the first group is jailed or detained mid-year (planted); the second group gets
    # 缓刑 (pension continues: no lead) or was released before the year began (no lead).
    for k, p in enumerate(groups[0][:8]):
        sentence = ("有期徒刑", "拘役", "有期徒刑", "无期徒刑")[k % 4]
        status = "羁押" if k == 5 else "服刑"
        start = dt.date(2024, 3 + k, 15)
        rows["custody_records"].append(
            {
                **person(p),
                "status": status,
                "sentence_type": sentence if status == "服刑" else "",
                "start_date": start.isoformat(),
                "end_date": "",
            }
        )
        leads[CUSTODY_PENSION.code].add(p.id_number)
    for k, p in enumerate(groups[1][:8]):
        if k % 2:
            rows["custody_records"].append(
                {
                    **person(p),
                    "status": "服刑",
                    "sentence_type": "缓刑",
                    "start_date": "2024-02-01",
                    "end_date": "2025-02-01",
                }
            )
        else:
            rows["custody_records"].append(
                {
                    **person(p),
                    "status": "服刑",
                    "sentence_type": "有期徒刑",
                    "start_date": "2020-01-01",
                    "end_date": "2023-12-20",
                }
            )
    # Model 2: the third group under correction across 2024-07-01 (planted); the fourth's
    # correction ended before the uprating or began after it (no lead).
    for k, p in enumerate(groups[2][:7]):
        kind = ("管制", "缓刑", "暂予监外执行", "假释")[k % 4]
        rows["community_corrections"].append(
            {
                **person(p),
                "correction_type": kind,
                "start_date": f"2023-{1 + k:02d}-10",
                "end_date": f"2025-{1 + k:02d}-09",
            }
        )
        leads[CORRECTION_UPRATING.code].add(p.id_number)
    for k, p in enumerate(groups[3][:7]):
        began, ended = ("2022-01-01", "2024-06-30") if k % 2 else ("2024-07-02", "2025-07-01")
        rows["community_corrections"].append(
            {**person(p), "correction_type": "缓刑", "start_date": began, "end_date": ended}
        )
    # Model 3: the fifth group died mid-year and the allowance ran on (planted); the sixth died
    # and the allowance stopped (their payments after death are removed: no lead).
    for k, p in enumerate(groups[4][:9]):
        rows["death_records"].append({**person(p), "death_date": f"2024-{2 + k:02d}-{5 + k:02d}"})
        leads[DECEASED_ALLOWANCE.code].add(p.id_number)
    stopped = {}
    for k, p in enumerate(groups[5][:9]):
        died = dt.date(2024, 3 + k % 8, 20)
        rows["death_records"].append({**person(p), "death_date": died.isoformat()})
        stopped[p.id_number] = died
    rows["elderly_allowances"] = [
        r
        for r in rows["elderly_allowances"]
        if r["id_number"] not in stopped
        or dt.date.fromisoformat(r["pay_month"]) <= stopped[r["id_number"]]
    ]
    return Planted(leads, rows)


def write_csv(rows: list[dict[str, str]], spec: DatasetSpec, path: Path) -> Path:
    names = [c.name for c in spec.columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=spec.encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)
    return path


def generate(folder: Path, **kwargs: object) -> Planted:
    """Write ``<dataset>.csv`` for the six datasets into ``folder``; the planted cases."""
    planted = build(**kwargs)  # type: ignore[arg-type]
    for name, spec in DATASETS.items():
        write_csv(planted.rows[name], spec, folder / f"{name}.csv")
    return planted
