"""The case-record format: the tables a case system exports, one source of truth.

Three tables, each a Parquet or CSV file (UTF-8 or GB18030) named after the table
(``persons.parquet``/``persons.csv``, ``events.*``, ``matters.*``) in one folder:

* ``persons``: one row per person per case (criminal line);
* ``events``: one row per procedural event (the non-routine steps that count as 件 in the
  case-to-procedure ratio, and others);
* ``matters``: one row per supervision matter (protests, procuratorial recommendations).

Every table may also name who handled the row (optional, issue 14): ``prosecutor_id``, the
handling prosecutor's staff number (工号) in the unit's roster, and ``department``, the handling
department's code in that roster (:mod:`grassroots.engine.roster` checks them against it).

Which date places a row in a period is a property of each data element (its ``date`` column in
the catalogue), not of the row: the same person is counted in the arrest-review period by
``arrest_decision_date`` and in the prosecution period by ``review_concluded_date``.

>>> sorted(TABLES)
['events', 'matters', 'persons']
>>> TABLES["events"].columns["event_type"].kind
'category'
>>> [c for c in HANDLER_COLUMNS if all(c in t.columns for t in TABLES.values())]
['prosecutor_id', 'department']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["string", "date", "bool", "category", "int"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool
    zh: str
    en: str
    values: tuple[str, ...] = ()  # allowed values for a category column


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    en: str
    key: tuple[str, ...]
    columns: dict[str, Column] = field(default_factory=dict)


def _table(name: str, zh: str, en: str, key: tuple[str, ...], cols: list[Column]) -> Table:
    return Table(name=name, zh=zh, en=en, key=key, columns={c.name: c for c in cols})


# The 16 kinds of non-routine procedural event of the SPP annex (reconstructed; the catalogue,
# not this list, decides which of them count towards 件).
EVENT_TYPES: tuple[str, ...] = (
    "arrest_appeal",  # 不服逮捕决定申诉
    "non_arrest_reconsideration",  # 不批捕复议
    "non_arrest_review",  # 不批捕复核
    "detention_extension",  # 延长羁押期限
    "remand_first",  # 一次退回补充侦查
    "remand_second",  # 二次退回补充侦查
    "review_extension_first",  # 一次延长审查起诉期限
    "review_extension_second",  # 二次延长审查起诉期限
    "prosecution_withdrawal",  # 撤回起诉
    "non_prosecution_reconsideration",  # 不起诉复议
    "non_prosecution_review",  # 不起诉复核
    "non_prosecution_appeal",  # 不起诉申诉
    "defendant_appeal",  # 被告人上诉
    "protest",  # 抗诉
    "criminal_petition",  # 刑事申诉
    "state_compensation",  # 国家赔偿
)

EVENT_TYPE_NAMES_ZH: dict[str, str] = {
    "arrest_appeal": "不服逮捕决定申诉",
    "non_arrest_reconsideration": "不批捕复议",
    "non_arrest_review": "不批捕复核",
    "detention_extension": "延长羁押期限",
    "remand_first": "一次退回补充侦查",
    "remand_second": "二次退回补充侦查",
    "review_extension_first": "一次延长审查起诉期限",
    "review_extension_second": "二次延长审查起诉期限",
    "prosecution_withdrawal": "撤回起诉",
    "non_prosecution_reconsideration": "不起诉复议",
    "non_prosecution_review": "不起诉复核",
    "non_prosecution_appeal": "不起诉申诉",
    "defendant_appeal": "被告人上诉",
    "protest": "抗诉",
    "criminal_petition": "刑事申诉",
    "state_compensation": "国家赔偿",
}

MATTER_KINDS: tuple[str, ...] = (
    "criminal_protest",
    "civil_recommendation",
    "admin_recommendation",
    "pre_litigation_recommendation",
)
MATTER_OUTCOMES: tuple[str, ...] = (
    "pending",
    "changed",
    "maintained",
    "adopted",
    "not_adopted",
    "remedied",
    "not_remedied",
)

# The names of category values, for people reading case records (column -> value -> (zh, en)).
# The case format stores the codes; pages and documents show these names beside them.
VALUE_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "arrest_decision": {
        "approved": ("批准逮捕", "Arrest approved"),
        "not_approved": ("不批准逮捕", "Arrest not approved"),
    },
    "prosecution_decision": {
        "prosecuted": ("提起公诉", "Prosecuted"),
        "not_prosecuted": ("不起诉", "Not prosecuted"),
    },
    "sentencing_recommendation": {
        "none": ("未提出量刑建议", "No sentencing recommendation"),
        "fixed_term": ("确定刑量刑建议", "Fixed-term recommendation"),
        "range": ("幅度刑量刑建议", "Range recommendation"),
    },
    "judgment": {
        "convicted": ("有罪判决", "Convicted"),
        "acquitted": ("无罪判决", "Acquitted"),
    },
    "event_type": {
        t: (zh, t.replace("_", " ").capitalize()) for t, zh in EVENT_TYPE_NAMES_ZH.items()
    },
    "kind": {
        "criminal_protest": ("刑事抗诉", "Criminal protest"),
        "civil_recommendation": ("民事检察建议", "Civil procuratorial recommendation"),
        "admin_recommendation": ("行政检察建议", "Administrative procuratorial recommendation"),
        "pre_litigation_recommendation": ("诉前检察建议", "Pre-litigation recommendation"),
    },
    "outcome": {
        "pending": ("尚未结果", "Pending"),
        "changed": ("改变", "Changed"),
        "maintained": ("维持", "Maintained"),
        "adopted": ("采纳", "Adopted"),
        "not_adopted": ("未采纳", "Not adopted"),
        "remedied": ("已整改", "Remedied"),
        "not_remedied": ("未整改", "Not remedied"),
    },
}


def value_name(column: str, value: str) -> tuple[str, str] | None:
    """(zh, en) name of a category column's value; None for a code the format does not name.

    >>> value_name("arrest_decision", "approved")
    ('批准逮捕', 'Arrest approved')
    >>> value_name("case_id", "370102-1") is None
    True
    """
    return VALUE_NAMES.get(column, {}).get(value)


# Who handled the row: optional on every table, so files without them stay valid.
HANDLER_COLUMNS: tuple[str, ...] = ("prosecutor_id", "department")


def _handlers() -> list[Column]:
    return [
        Column(
            "prosecutor_id",
            "string",
            False,
            "承办检察官工号",
            "Handling prosecutor's staff number (as in the unit's roster)",
        ),
        Column(
            "department",
            "string",
            False,
            "承办部门代码",
            "Handling department code (as in the roster)",
        ),
    ]


PERSONS = _table(
    "persons",
    "人员（一人一案一行）",
    "Persons (one row per person per case)",
    ("unit_code", "case_id", "person_id"),
    [
        Column("unit_code", "string", True, "承办单位代码", "Handling unit code"),
        Column("case_id", "string", True, "案件编号", "Case id"),
        Column("person_id", "string", True, "人员编号", "Person id (within the case)"),
        Column(
            "arrest_review_received", "date", False, "审查逮捕受理日期", "Arrest review received"
        ),
        Column(
            "arrest_decision",
            "category",
            False,
            "审查逮捕决定",
            "Arrest decision",
            ("approved", "not_approved"),
        ),
        Column("arrest_decision_date", "date", False, "审查逮捕决定日期", "Arrest decision date"),
        Column(
            "prosecution_review_received",
            "date",
            False,
            "审查起诉受理日期",
            "Prosecution review received",
        ),
        Column(
            "via_arrest_review",
            "bool",
            False,
            "是否经审查逮捕",
            "Came to prosecution review through this unit's arrest review",
        ),
        Column(
            "review_concluded_date",
            "date",
            False,
            "审查起诉审结日期",
            "Prosecution review concluded",
        ),
        Column(
            "prosecution_decision",
            "category",
            False,
            "审查起诉决定",
            "Prosecution decision",
            ("prosecuted", "not_prosecuted"),
        ),
        Column(
            "detained_at_charge",
            "bool",
            False,
            "审结时是否羁押",
            "In custody when review concluded",
        ),
        Column("plea_leniency", "bool", False, "是否适用认罪认罚", "Plea leniency applied"),
        Column(
            "sentencing_recommendation",
            "category",
            False,
            "量刑建议类型",
            "Sentencing recommendation",
            ("none", "fixed_term", "range"),
        ),
        Column(
            "recommendation_adopted", "bool", False, "量刑建议是否采纳", "Recommendation adopted"
        ),
        Column("withdrawn", "bool", False, "是否撤回起诉", "Prosecution withdrawn"),
        Column("withdrawal_date", "date", False, "撤回起诉日期", "Withdrawal date"),
        Column("judgment", "category", False, "判决结果", "Judgment", ("convicted", "acquitted")),
        Column("judgment_date", "date", False, "判决日期", "Judgment date"),
        Column(
            "light_sentence",
            "bool",
            False,
            "是否判处轻缓刑",
            "Light sentence (probation, suspended, non-custodial, exempted)",
        ),
        *_handlers(),
    ],
)

EVENTS = _table(
    "events",
    "程序事件（一事一行）",
    "Procedural events (one row per event)",
    ("unit_code", "event_id"),
    [
        Column("unit_code", "string", True, "承办单位代码", "Handling unit code"),
        Column("event_id", "string", True, "事件编号", "Event id"),
        Column("case_id", "string", True, "案件编号", "Case id"),
        Column("event_type", "category", True, "事件类型", "Event type", EVENT_TYPES),
        Column("event_date", "date", True, "事件日期", "Event date"),
        *_handlers(),
    ],
)

MATTERS = _table(
    "matters",
    "监督事项（一事一行）",
    "Supervision matters (one row per matter)",
    ("unit_code", "matter_id"),
    [
        Column("unit_code", "string", True, "承办单位代码", "Handling unit code"),
        Column("matter_id", "string", True, "事项编号", "Matter id"),
        Column("kind", "category", True, "事项类型", "Kind", MATTER_KINDS),
        Column("issued_date", "date", True, "提出日期", "Issued"),
        Column("concluded_date", "date", False, "办结日期", "Concluded"),
        Column("outcome", "category", False, "结果", "Outcome", MATTER_OUTCOMES),
        *_handlers(),
    ],
)

TABLES: dict[str, Table] = {t.name: t for t in (PERSONS, EVENTS, MATTERS)}
