"""The audit log reads as words in both languages, for the records of every app.

Record types and field names are the models' verbose names (translated), and a foreign key is
shown as what it points at (a unit by its name and code), looked up once per page, not per row.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import capfirst

from grassroots.organisations.models import AuditAction, AuditEntry, Role, Unit

pytestmark = pytest.mark.django_db

APPS = ("organisations", "intake", "assistance", "evaluation", "direct", "notifications")
# The log itself; a user's notifications and the e-mail outbox are messages, not records.
NOT_AUDITED = {
    "organisations.auditentry",
    "notifications.notification",
    "notifications.outboxmail",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
FIELD_NAME = re.compile(r"<strong>([^<]*)</strong>:")
RECORD_TYPE = re.compile(r'<td>([^<]*)<br><span class="muted">')
UNRESOLVED = "987654"


def audited_models() -> list[type[models.Model]]:
    return [
        m
        for app in APPS
        for m in apps.get_app_config(app).get_models()
        if m._meta.label_lower not in NOT_AUDITED
    ]


def snapshot_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields `audit.snapshot` writes (and a many-to-many a service may add)."""
    meta = model._meta
    return [f for f in [*meta.concrete_fields, *meta.many_to_many] if not f.primary_key]


def _sample(field: models.Field, unit: Unit, user: Any) -> Any:
    if field.is_relation:
        if field.related_model is Unit:
            return [unit.code] if field.many_to_many else unit.pk
        if field.related_model is get_user_model():
            return user.pk
        return int(UNRESOLVED)
    if field.choices:
        return str(field.choices[0][0])
    if isinstance(field, models.BooleanField):
        return True
    if isinstance(field, models.DateTimeField | models.DateField):
        return "2024-10-01"
    if isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
        return 7
    if isinstance(field, models.JSONField):
        return ["2024Q3"]
    return "text"


@pytest.fixture
def auditor(make_member) -> Any:
    return make_member(Role.AUDITOR, "370000", username="auditor")


@pytest.fixture
def every_record_type(province, auditor) -> None:
    """One created record of each audited model, every field set, unit fields to 370102."""
    unit = province["370102"]
    AuditEntry.objects.bulk_create(
        AuditEntry(
            at=dt.datetime(2024, 10, 1, 9, tzinfo=dt.UTC),
            actor_name="system",
            action=AuditAction.CREATE,
            model=model._meta.label_lower,
            object_id="1",
            object_repr="record",
            unit_code=unit.code,
            before=None,
            after={f.name: _sample(f, unit, auditor) for f in snapshot_fields(model)},
        )
        for model in audited_models()
    )


def _page(client: Any, language: str, query: str = "") -> str:
    # The language switch's cookie (the site ignores Accept-Language on purpose).
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(f"/audit/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_every_audited_model_and_field_has_a_chinese_verbose_name() -> None:
    untranslated = []
    with translation.override("zh-hans"):
        for model in audited_models():
            names = [("", model._meta.verbose_name)] + [
                (f.name, f.verbose_name) for f in snapshot_fields(model)
            ]
            for name, text in names:
                # Explicit and lazy (so it follows the page language), and in the catalogue.
                if not isinstance(text, Promise) or not CJK.search(str(text)):
                    untranslated.append(f"{model._meta.label_lower}.{name}: {text}")
    assert untranslated == []


def test_the_log_names_every_record_type_and_field_in_chinese(
    client, auditor, every_record_type
) -> None:
    client.force_login(auditor)
    assert AuditEntry.objects.count() <= 150  # three pages of 50 hold them all
    html = "".join(_page(client, "zh-hans", f"?page={n}") for n in (1, 2, 3))
    fields = set(FIELD_NAME.findall(html))
    record_types = set(RECORD_TYPE.findall(html))
    assert [f for f in fields if not CJK.search(f)] == []
    assert [r for r in record_types if not CJK.search(r)] == []
    with translation.override("zh-hans"):
        expected = {str(m._meta.verbose_name) for m in audited_models()}
    assert expected <= record_types
    for shown in ("整改措施", "问题清单", "校验运行", "单位", "用户", "受检单位"):
        assert shown in fields | record_types


def test_the_log_names_every_record_type_and_field_in_english(
    client, auditor, every_record_type
) -> None:
    client.force_login(auditor)
    html = "".join(_page(client, "en", f"?page={n}") for n in (1, 2, 3))
    fields = set(FIELD_NAME.findall(html))
    record_types = set(RECORD_TYPE.findall(html))
    with translation.override("en"):  # as the page shows them: first letter capital
        expected_types = {capfirst(m._meta.verbose_name) for m in audited_models()}
        expected_fields = {
            capfirst(f.verbose_name) for m in audited_models() for f in snapshot_fields(m)
        }
    assert expected_types <= record_types
    assert expected_fields <= fields
    assert [f for f in fields | record_types if CJK.search(f) or "_" in f or "." in f] == []


def test_a_unit_foreign_key_shows_the_units_name_and_code_in_the_page_language(
    client, auditor, every_record_type
) -> None:
    client.force_login(auditor)
    zh = _page(client, "zh-hans", "?model=organisations.membership")
    en = _page(client, "en", "?model=organisations.membership")
    assert "<strong>单位</strong>: — → 历下区人民检察院 (370102)" in zh
    assert "<strong>Unit</strong>: — → Lixia District Procuratorate (370102)" in en
    assert "<strong>用户</strong>: — → auditor" in zh  # a user by username
    # The unit column names the unit as well.
    assert "<td>历下区人民检察院 (370102)</td>" in zh
    # A key to a record the log never described stays an id, marked as one.
    assert f"→ #{UNRESOLVED}<" in _page(client, "zh-hans", "?model=assistance.measure")


def test_the_log_of_real_assistance_and_intake_work_reads_as_words(
    client, province, auditor, make_member, do_audited_work
) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    do_audited_work(province, admin, keep_problem=False)
    client.force_login(auditor)
    zh = _page(client, "zh-hans")
    # The measure's problem, then its removal: the problem by its description, not its id.
    assert "<strong>问题清单</strong>: — → 不捕率偏低" in zh
    assert "<strong>问题清单</strong>: 不捕率偏低 → —" in zh
    assert "<strong>结对单位</strong>: — → 市南区人民检察院 (370202)" in zh
    assert "<strong>规则违例</strong>: — → 0" in zh
    assert "<strong>异常值</strong>: — → 0" in zh
    assert "<strong>受检单位</strong>: — → 370102, 370103" in zh
    assert "<strong>校验单位</strong>: — → 济南市人民检察院 (370100)" in zh
    # A stored timestamp reads like the log's own times; an empty text is not a change.
    assert re.search(r"<strong>运行时间</strong>: — → \d{4}-\d\d-\d\d \d\d:\d\d<", zh)
    assert "</strong>: — → —<" not in zh  # the run's source was left empty: no row for it
    fields = set(FIELD_NAME.findall(zh)) | set(RECORD_TYPE.findall(zh))
    assert [f for f in fields if not CJK.search(f)] == []


def test_names_are_looked_up_per_page_not_per_entry(client, province, auditor) -> None:
    client.force_login(auditor)

    def add(n: int) -> None:
        units = list(Unit.objects.all())
        AuditEntry.objects.bulk_create(
            AuditEntry(
                at=dt.datetime(2024, 10, 1, 9, tzinfo=dt.UTC),
                actor_name="system",
                action=AuditAction.UPDATE,
                model="assistance.measure",
                object_id=str(i),
                object_repr="measure",
                unit_code=units[i % len(units)].code,
                before={"designation": 1, "problem": i},
                after={"designation": 2, "problem": i + 1},
            )
            for i in range(n)
        )
        AuditEntry.objects.bulk_create(
            AuditEntry(
                at=dt.datetime(2024, 10, 1, 9, tzinfo=dt.UTC),
                actor_name="system",
                action=AuditAction.UPDATE,
                model="organisations.unit",
                object_id=str(unit.pk),
                object_repr=str(unit),
                unit_code=unit.code,
                before={"parent": None},
                after={"parent": units[0].pk},
            )
            for unit in units
        )

    add(3)
    _page(client, "zh-hans")  # the first page of a session stamps its start (one session write)
    with CaptureQueriesContext(connection) as few:
        _page(client, "zh-hans")
    add(30)
    with CaptureQueriesContext(connection) as many:
        html = _page(client, "zh-hans")
    assert "<strong>上级单位</strong>" in html
    assert len(many) == len(few)
