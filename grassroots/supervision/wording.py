"""The engine's problem and refusal codes, worded in the user's language."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.engine.supervision.datasets import Problem

KINDS = {
    "text": gettext_lazy("Text"),
    "integer": gettext_lazy("Integer"),
    "decimal": gettext_lazy("Amount"),
    "date": gettext_lazy("Date"),
    "id_number": gettext_lazy("Identity number"),
}

FIELDS = {
    "name": gettext_lazy("Full name"),
    "region_code": gettext_lazy("Region code"),
    "sentence_type": gettext_lazy("Sentence type"),
    "custody_start": gettext_lazy("Custody began"),
    "months_paid": gettext_lazy("Months paid"),
    "amount_paid": gettext_lazy("Amount paid"),
    "correction_type": gettext_lazy("Correction type"),
    "upratings": gettext_lazy("Upratings"),
    "uprating_amount": gettext_lazy("Uprating amount"),
    "last_uprating_date": gettext_lazy("Last uprating date"),
    "death_date": gettext_lazy("Date of death"),
    "months_after_death": gettext_lazy("Months paid after death"),
    "amount_after_death": gettext_lazy("Amount paid after death"),
    "table": gettext_lazy("Dataset"),
    "pay_month": gettext_lazy("Payment month"),
    "amount": gettext_lazy("Amount"),
    "scheme": gettext_lazy("Scheme"),
    "status": gettext_lazy("Status"),
    "start_date": gettext_lazy("Start date"),
    "end_date": gettext_lazy("End date"),
    "adjust_date": gettext_lazy("Uprating date"),
    "adjust_amount": gettext_lazy("Uprating amount"),
    "id_number__masked": gettext_lazy("Identity number"),
}


def field_label(name: str) -> str:
    return str(FIELDS.get(name, name))


def problem_text(problem: Problem) -> str:
    """'文件 x.csv 工作表 S 第 3 行 death_date 列：不是日期（“2024-13-01”）' in the user's language."""
    messages = {
        "missing_column": _("the declared column is missing from the header"),
        "empty_file": _("the file is empty"),
        "no_rows": _("the file has a header but no data rows"),
        "encoding": _("the file is neither UTF-8 nor GB18030 text"),
        "unreadable": _("the file cannot be read as CSV, Excel or Parquet"),
        "required": _("a value is required"),
        "not_integer": _("not a whole number"),
        "not_decimal": _("not an amount"),
        "not_date": _("not a date (use YYYY-MM-DD)"),
        "id_length": _("the identity number does not have 18 characters"),
        "id_characters": _("the identity number must be 17 digits and a digit or X"),
        "id_birth_date": _("the identity number holds no valid birth date"),
        "id_check_digit": _("the identity number's check digit is wrong"),
    }
    parts = [_("file %(name)s") % {"name": problem.file}]
    if problem.sheet:
        parts.append(_("sheet %(name)s") % {"name": problem.sheet})
    if problem.row is not None:
        parts.append(_("row %(row)d") % {"row": problem.row})
    if problem.column:
        parts.append(_("column %(name)s") % {"name": problem.column})
    text = messages.get(problem.code, problem.code)
    if problem.value:
        text += _(" (“%(value)s”)") % {"value": problem.value}
    return _("%(where)s: %(problem)s") % {"where": " ".join(parts), "problem": text}


def refusal_text(kind: str, detail: str) -> str:
    messages = {
        "syntax": _("The SQL cannot be parsed"),
        "several": _("Only one statement is allowed"),
        "write": _("A model may not write data"),
        "statement": _("Only a SELECT query is allowed, not this statement"),
        "file": _("A model may not read files"),
        "system": _("A model may not call functions that reach outside the query"),
        "table": _("This table is not a registered dataset"),
        "execution": _("The query failed when run"),
        "output": _("The query must return the columns subject and unit_code"),
        "dataset": _("A dataset the model reads has no current version"),
    }
    return _("%(message)s: %(detail)s") % {"message": messages.get(kind, kind), "detail": detail}


# The audit actions this app added to organisations.AuditAction (a reveal, an export): their
# Chinese names live in this app's catalogue, with the app that writes them.
AUDIT_ACTIONS = (gettext_lazy("View personal data"), gettext_lazy("Export"))
