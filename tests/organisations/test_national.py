"""The national level: the Supreme People's Procuratorate (000000) above the provinces."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.db import connection
from django.http import Http404

from grassroots.cli import main
from grassroots.organisations.models import AuditAction, AuditEntry, Level, Role, Unit
from grassroots.organisations.scope import (
    Action,
    can,
    get_unit_for_user,
    league_units,
    visible_units,
)
from grassroots.organisations.selectors import audit_entries, unit_tree
from grassroots.organisations.services import ChangeError, load_units
from grassroots.organisations.unitfile import UnitFileError, UnitRow, parse_unit_csv
from grassroots.reference.units import NATION_CODE

HEADER = "code,name_zh,name_en,level,parent_code\n"
HEBEI = [
    UnitRow("130000", "河北省人民检察院", "province", None),
    UnitRow("130100", "石家庄市人民检察院", "city", "130000"),
    UnitRow("130102", "长安区人民检察院", "grassroots", "130100"),
]


@pytest.fixture
def two_provinces(province) -> dict[str, Unit]:
    load_units(rows=HEBEI, actor=None, reason="fixture")
    return {u.code: u for u in Unit.objects.all()}


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


@pytest.fixture
def cli_ready(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


# ------------------------------------------------------------------------- the hierarchy


def test_loading_a_province_creates_the_nation_as_its_parent_with_the_empty_path(
    province,
) -> None:
    nation = Unit.objects.get(code=NATION_CODE)
    assert (nation.level, nation.parent, nation.path) == (Level.NATION, None, "")
    assert nation.name_zh == "最高人民检察院"
    assert province["370000"].parent == nation
    assert province["370000"].path == "370000/"  # the nation adds nothing to a path
    created = AuditEntry.objects.get(unit_code=NATION_CODE)
    assert created.action == AuditAction.CREATE


def test_a_second_province_hangs_under_the_same_nation(two_provinces) -> None:
    assert Unit.objects.filter(level=Level.NATION).count() == 1
    parents = Unit.objects.filter(level=Level.PROVINCE).values_list("parent__code", flat=True)
    assert set(parents) == {NATION_CODE}


def test_only_000000_may_be_the_national_unit(db) -> None:
    with pytest.raises(ChangeError, match="only 000000 is the national unit"):
        load_units(rows=[UnitRow("990000", "国家", "nation", None)], actor=None)
    with pytest.raises(ChangeError, match="000000"):
        load_units(rows=[UnitRow(NATION_CODE, "某省", "province", None)], actor=None)
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_units_load_creates_the_nation_once_and_is_idempotent(cli_ready, capsys) -> None:
    assert main(["units", "load", "--province", "64"]) == 0
    assert main(["units", "load", "--province", "63"]) == 0
    assert Unit.objects.filter(level=Level.NATION).count() == 1
    assert set(
        Unit.objects.filter(level=Level.PROVINCE).values_list("parent__code", flat=True)
    ) == {NATION_CODE}
    count = Unit.objects.count()
    capsys.readouterr()
    assert main(["units", "load", "--province", "63", "--province", "64"]) == 0
    assert Unit.objects.count() == count
    assert "0 created, 0 updated" in capsys.readouterr().out


@pytest.mark.django_db
def test_units_list_indents_the_provinces_under_the_nation(cli_ready, capsys) -> None:
    assert main(["units", "load", "--province", "64"]) == 0
    capsys.readouterr()
    assert main(["units", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("000000  nation")
    assert lines[1].startswith("  640000  province")
    assert main(["units", "list", "--province", "64"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("640000  province")


# ------------------------------------------------------------------------- the units file


def parse(body: str) -> list[UnitRow]:
    return parse_unit_csv(HEADER + body, source="units.csv", existing_codes=set())


def test_a_province_with_no_parent_in_a_file_hangs_under_the_nation() -> None:
    [row] = parse("370000,山东省人民检察院,,province,\n")
    assert row.parent_code == NATION_CODE


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("370000,山东省人民检察院,,province,110000", "a provincial unit's parent is the nation"),
        ("370100,济南市人民检察院,,city,000000", "a city unit hangs under a province or a city"),
        ("370102,历下区,,grassroots,000000", "a grassroots unit hangs under a province"),
        ("990000,国家,,nation,", "the national unit's code is 000000, not 990000"),
        ("000000,最高人民检察院,,nation,370000", "the national unit has no parent"),
        ("000000,某省,,province,", "000000 is the national unit's code"),
    ],
)
def test_the_file_keeps_the_nation_at_the_root(line: str, message: str) -> None:
    with pytest.raises(UnitFileError) as caught:
        parse(line + "\n")
    assert any(message in str(p) and "line 2" in str(p) for p in caught.value.problems)


@pytest.mark.django_db
def test_a_file_may_name_the_nation_before_it_exists(cli_ready) -> None:
    path = Path(cli_ready) / "units.csv"
    path.write_text(HEADER + "640000,宁夏回族自治区人民检察院,,province,000000\n", encoding="utf-8")
    assert main(["units", "load", "--file", str(path)]) == 0
    assert Unit.objects.get(code="640000").parent.code == NATION_CODE


# ------------------------------------------------------------------------- scope


@pytest.mark.parametrize("role", [Role.PROVINCE_ADMIN, Role.LEADER, Role.AUDITOR])
def test_a_national_user_sees_every_unit_of_every_province(
    two_provinces, make_member, role
) -> None:
    user = make_member(role, NATION_CODE)
    assert codes(visible_units(user)) == set(two_provinces)
    assert codes(league_units(user)) == set(two_provinces)
    for code in ("130102", "370202", "370000", NATION_CODE):
        assert get_unit_for_user(user, code).code == code


def test_a_province_user_still_sees_only_their_province(two_provinces, make_member) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    assert codes(visible_units(admin)) == {c for c in two_provinces if c.startswith("37")}
    for code in (NATION_CODE, "130000", "130102"):
        with pytest.raises(Http404):
            get_unit_for_user(admin, code)
    assert not can(admin, Action.EDIT_UNIT, two_provinces["130102"])
    assert not can(admin, Action.EDIT_UNIT, two_provinces[NATION_CODE])


def test_a_national_admin_may_edit_any_unit_and_a_national_leader_none(
    two_provinces, make_member
) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, NATION_CODE)
    leader = make_member(Role.LEADER, NATION_CODE)
    assert can(admin, Action.EDIT_UNIT, two_provinces["130102"])
    assert not can(leader, Action.EDIT_UNIT, two_provinces["130102"])


def test_the_national_tree_has_the_nation_at_the_root_and_the_provinces_below(
    two_provinces, make_member
) -> None:
    [root] = unit_tree(make_member(Role.LEADER, NATION_CODE))
    assert root.code == NATION_CODE
    assert [c.code for c in root.children] == ["130000", "370000"]
    assert root.child_count == 2
    [province_root] = unit_tree(make_member(Role.LEADER, "370000"))
    assert province_root.code == "370000"


def test_a_national_auditor_reads_every_provinces_audit_entries(two_provinces, make_member) -> None:
    national = make_member(Role.AUDITOR, NATION_CODE)
    provincial = make_member(Role.AUDITOR, "370000")
    assert {"130102", "370102", NATION_CODE} <= set(
        audit_entries(national).values_list("unit_code", flat=True)
    )
    seen = set(audit_entries(provincial).values_list("unit_code", flat=True))
    assert "370102" in seen
    assert not seen & {"130102", NATION_CODE}


# ------------------------------------------------------------------------- the migration


def test_the_migration_puts_an_existing_database_s_provinces_under_a_new_nation(
    province,
) -> None:
    # A database from before the national level: the province is a root and there is no nation.
    Unit.objects.filter(code="370000").update(parent=None)
    Unit.objects.filter(code=NATION_CODE).delete()
    before = AuditEntry.objects.count()
    migration = importlib.import_module("grassroots.organisations.migrations.0003_national_level")
    from django.apps import apps

    migration.add_nation(apps, connection.schema_editor())
    nation = Unit.objects.get(code=NATION_CODE)
    assert (nation.level, nation.path) == (Level.NATION, "")
    assert Unit.objects.get(code="370000").parent == nation
    assert Unit.objects.get(code="370102").path == "370000/370100/370102/"
    added = AuditEntry.objects.count() - before
    assert added == 2  # the nation created, the province re-parented
    moved = AuditEntry.objects.get(unit_code="370000", action=AuditAction.UPDATE)
    assert (moved.before["parent"], moved.after["parent"]) == (None, nation.pk)
    migration.add_nation(apps, connection.schema_editor())  # a second run finds nothing to do
    assert AuditEntry.objects.count() == before + 2


def test_the_migration_leaves_an_empty_database_empty(db) -> None:
    migration = importlib.import_module("grassroots.organisations.migrations.0003_national_level")
    from django.apps import apps

    migration.add_nation(apps, connection.schema_editor())
    assert Unit.objects.count() == 0
