from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from grassroots.organisations.audit import tracked
from grassroots.organisations.models import (
    AuditAction,
    AuditEntry,
    AuditImmutableError,
    Membership,
    Role,
    Unit,
)
from grassroots.organisations.selectors import audit_entries
from grassroots.organisations.services import ChangeError, update_unit


def test_update_unit_records_who_when_and_before_after(province, make_member) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    at = dt.datetime(2024, 10, 8, 9, 30, tzinfo=dt.UTC)
    update_unit(
        unit=province["370102"],
        changes={"headcount": 48, "under_45_share": 51.2},
        actor=admin,
        reason="2024 staffing report",
        clock=lambda: at,
    )
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, unit_code="370102")
    assert (entry.actor, entry.actor_name, entry.at) == (admin, admin.username, at)
    assert entry.before["headcount"] is None
    assert entry.after["headcount"] == 48
    assert entry.after["under_45_share"] == "51.20"
    assert entry.reason == "2024 staffing report"
    assert Unit.objects.get(code="370102").under_45_share == Decimal("51.20")


def test_an_unchanged_update_writes_no_entry(province, make_member) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    update_unit(
        unit=province["370102"], changes={"name_zh": province["370102"].name_zh}, actor=admin
    )
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()


def test_a_rejected_update_changes_nothing(province, make_member) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    with pytest.raises(ChangeError, match="procurators"):
        update_unit(
            unit=province["370102"], changes={"headcount": 10, "procurators": 12}, actor=admin
        )
    assert Unit.objects.get(code="370102").headcount is None
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()


def test_update_unit_refuses_fields_outside_its_remit(province, make_member) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    with pytest.raises(ChangeError, match="code"):
        update_unit(unit=province["370102"], changes={"code": "370199"}, actor=admin)


def test_add_member_is_audited_with_the_unit(province, make_member) -> None:
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    entry = AuditEntry.objects.get(
        model="organisations.membership", object_id=str(clerk.membership.pk)
    )
    assert (entry.action, entry.unit_code, entry.after["role"]) == (
        AuditAction.CREATE,
        "370102",
        Role.GRASSROOTS_CLERK,
    )


def test_tracked_records_nothing_when_the_block_fails(province) -> None:
    unit = province["370103"]

    def change_then_fail() -> None:
        with tracked(unit, actor=None):
            unit.headcount = 99
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert not AuditEntry.objects.filter(unit_code="370103", action=AuditAction.UPDATE).exists()


def test_saving_an_existing_entry_is_refused(province) -> None:
    entry = AuditEntry.objects.first()
    entry.reason = "rewritten"
    with pytest.raises(AuditImmutableError):
        entry.save()
    with pytest.raises(AuditImmutableError):
        entry.delete()


def test_bulk_update_and_delete_through_the_orm_are_refused(province) -> None:
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(unit_code="370102").update(reason="rewritten")
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.all().delete()


def test_the_database_refuses_updates_that_go_around_the_model(province) -> None:
    # _base_manager is a plain QuerySet: only the trigger of migration 0002 stands in the way.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry._base_manager.filter(unit_code="370102").update(reason="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry._base_manager.filter(unit_code="370102").delete()
    assert AuditEntry.objects.filter(unit_code="370102", reason="fixture").count() == 1


def test_only_auditors_read_the_log_and_only_within_scope(province, make_member) -> None:
    provincial_auditor = make_member(Role.AUDITOR, "370000")
    city_auditor = make_member(Role.AUDITOR, "370200", username="qd-auditor")
    admin = make_member(Role.PROVINCE_ADMIN, "370000", username="admin")
    assert audit_entries(admin).count() == 0
    assert {e.unit_code for e in audit_entries(city_auditor)} == {"370200", "370202"}
    assert "370102" in {e.unit_code for e in audit_entries(provincial_auditor)}


def test_audit_entries_filters_by_actor_action_and_time(province, make_member) -> None:
    auditor = make_member(Role.AUDITOR, "370000")
    admin = make_member(Role.PROVINCE_ADMIN, "370000", username="admin")
    at = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    update_unit(unit=province["370202"], changes={"headcount": 30}, actor=admin, clock=lambda: at)
    found = audit_entries(
        auditor,
        actor="admin",
        action=AuditAction.UPDATE,
        since=at,
        until=at + dt.timedelta(seconds=1),
        model="organisations.unit",
    )
    assert [e.unit_code for e in found] == ["370202"]
    assert (
        audit_entries(auditor, actor=admin, until=at).filter(action=AuditAction.UPDATE).count() == 0
    )


def test_membership_memberships_are_one_per_user(province, make_member) -> None:
    from grassroots.organisations.services import add_member

    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    add_member(user=clerk, unit=province["370103"], role=Role.GRASSROOTS_CLERK, actor=None)
    assert Membership.objects.filter(user=clerk).count() == 1
    update = AuditEntry.objects.get(model="organisations.membership", action=AuditAction.UPDATE)
    assert (update.before["unit"], update.after["unit"]) == (
        province["370102"].pk,
        province["370103"].pk,
    )


@pytest.mark.django_db
def test_the_newest_entry_of_a_model_has_an_index_to_probe() -> None:
    """The league cache reads MAX(id) of the unit entries on every request: an index on
    (model, id) answers it from the index's end, however long the log grows. (Which index the
    planner picks on a small test table depends on its statistics, so the index is checked.)"""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'organisations_auditentry'"
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert any(d.endswith("(model, id)") for d in definitions), definitions
