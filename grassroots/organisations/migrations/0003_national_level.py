"""The national level: the Supreme People's Procuratorate (000000) becomes the root above the provinces.

A database made before this migration has provinces as roots. If it has any province, the
national unit is created (with the empty path, see Unit.path) and every root province is
re-parented under it; no other path changes, because the nation adds nothing to a path. Each
change is written to the audit log like the unit loader writes it. Running `grassroots units
load` afterwards finds nothing more to do; on an empty database the loader creates the nation.
"""

from django.db import migrations, models
from django.utils import timezone

NATION_CODE = "000000"  # grassroots.reference.units.NATION_CODE, frozen here as migrations must be
REASON = "migration 0003: national level above the provinces"
UNIT_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "level",
    "kind",
    "parent",
    "path",
    "peer_group",
    "headcount",
    "procurators",
    "under_45_share",
    "active",
)


def _snapshot(unit):
    data = {}
    for name in UNIT_FIELDS:
        value = getattr(unit, "parent_id" if name == "parent" else name)
        data[name] = str(value) if name == "under_45_share" and value is not None else value
    return data


def _entry(AuditEntry, unit, action, before, now):
    return AuditEntry(
        at=now,
        actor=None,
        actor_name="system",
        action=action,
        model="organisations.unit",
        object_id=str(unit.pk),
        object_repr=f"{unit.code} {unit.name_zh}"[:200],
        unit_code=unit.code,
        before=before,
        after=_snapshot(unit),
        reason=REASON,
    )


def add_nation(apps, schema_editor):
    Unit = apps.get_model("organisations", "Unit")
    AuditEntry = apps.get_model("organisations", "AuditEntry")
    roots = list(Unit.objects.filter(level="province", parent__isnull=True))
    if not roots:
        return  # an empty database: the unit loader creates the nation with the first province
    now = timezone.now()
    entries = []
    nation = Unit.objects.filter(code=NATION_CODE).first()
    if nation is None:
        nation = Unit.objects.create(
            code=NATION_CODE,
            name_zh="最高人民检察院",
            name_en="Supreme People's Procuratorate",
            level="nation",
            kind="regular",
            parent=None,
            path="",
        )
        entries.append(_entry(AuditEntry, nation, "create", None, now))
    for province in roots:
        before = _snapshot(province)
        province.parent = nation
        province.save(update_fields=["parent"])
        entries.append(_entry(AuditEntry, province, "update", before, now))
    AuditEntry.objects.bulk_create(entries)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0002_audit_immutable"),
    ]

    operations = [
        migrations.AlterField(
            model_name="unit",
            name="level",
            field=models.CharField(
                choices=[
                    ("nation", "Supreme People's Procuratorate"),
                    ("province", "Provincial procuratorate"),
                    ("city", "City procuratorate"),
                    ("grassroots", "Grassroots procuratorate"),
                ],
                max_length=12,
                verbose_name="level",
            ),
        ),
        migrations.RunPython(add_nation, migrations.RunPython.noop),
    ]
