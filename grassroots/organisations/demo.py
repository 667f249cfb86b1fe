"""The demo province: its units, plausible staff figures and one login per role.

Demo logins (passwords are reset on every run; never use these outside a demo). They follow the
same password rules as every account (12 characters, three kinds, not common, not the
username), so the demo shows the product as it is, with fixed passwords printed by
`grassroots demo` for people trying it out:

    demo-admin     Taishan#Pine2024    province administrator, provincial procuratorate
    demo-leader    Yellow#River2024    leader (read-only), provincial procuratorate
    demo-auditor   Ledger#Check2024    auditor (the audit administrator), provincial procuratorate
    demo-sysadmin  Server#Room2024     system administrator, provincial procuratorate
    demo-secadmin  Iron#Gate2024       security administrator, provincial procuratorate
    demo-reviewer  Quancheng#Spring24  city reviewer, Jinan (370100)
    demo-clerk     Lixia#Lotus2024     grassroots clerk, Lixia district (370102)
    demo-national  Great#Wall2024      leader (read-only), Supreme People's Procuratorate (000000)

The reviewer and clerk sit at Jinan and Lixia for Shandong (37); for another province they sit
at its first city and that city's first grassroots unit. The national leader sees the nation,
which in the demo holds the one province loaded. The national unit has no staff figures: the
synthetic generator knows only the provinces' units.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_noop

from grassroots.engine.synth import staff_figures
from grassroots.organisations import audit, services
from grassroots.organisations.models import AuditAction, AuditEntry, Level, Role, Unit
from grassroots.organisations.security import lockout
from grassroots.organisations.security.services import set_active, set_password
from grassroots.organisations.unitfile import reference_rows
from grassroots.reference.units import NATION_CODE, procuratorate_units

DEMO_REASON = gettext_noop("demo setup")  # shown translated on the audit page


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    unit_code: str | None  # None: the provincial unit; "nation"/"city"/"grassroots" picked below


DEMO_LOGINS = (
    DemoLogin("demo-admin", "Taishan#Pine2024", Role.PROVINCE_ADMIN, None),
    DemoLogin("demo-leader", "Yellow#River2024", Role.LEADER, None),
    DemoLogin("demo-auditor", "Ledger#Check2024", Role.AUDITOR, None),
    DemoLogin("demo-sysadmin", "Server#Room2024", Role.SYSTEM_ADMIN, None),
    DemoLogin("demo-secadmin", "Iron#Gate2024", Role.SECURITY_ADMIN, None),
    DemoLogin("demo-reviewer", "Quancheng#Spring24", Role.CITY_REVIEWER, "city"),
    DemoLogin("demo-clerk", "Lixia#Lotus2024", Role.GRASSROOTS_CLERK, "grassroots"),
    DemoLogin("demo-national", "Great#Wall2024", Role.LEADER, "nation"),
)
PREFERRED = {"37": {"city": "370100", "grassroots": "370102"}}


def _fill_staff_figures(province: str) -> None:
    """Staff figures from the synthetic generator, so the demo's units match its case data."""
    specs = procuratorate_units([province[:2]])
    figures = staff_figures(specs)
    units = list(Unit.objects.filter(code__in=figures))
    changed, entries = [], []
    for unit in units:
        want = figures[unit.code]
        share = Decimal(str(want.under_45_share)).quantize(Decimal("0.01"))
        if (unit.headcount, unit.procurators, unit.under_45_share) == (
            want.headcount,
            want.procurators,
            share,
        ):
            continue  # idempotent: a second run writes nothing and logs nothing
        before = audit.snapshot(unit)
        unit.headcount, unit.procurators, unit.under_45_share = (
            want.headcount,
            want.procurators,
            share,
        )
        changed.append(unit)
        entries.append(
            audit.entry(
                obj=unit,
                action=AuditAction.UPDATE,
                actor=None,
                before=before,
                after=audit.snapshot(unit),
                reason=DEMO_REASON,
            )
        )
    Unit.objects.bulk_update(
        changed, ["headcount", "procurators", "under_45_share"], batch_size=1000
    )
    AuditEntry.objects.bulk_create(entries, batch_size=1000)


def _province_code(province: str) -> str:
    return province[:2] + "0000"


def _unit_for(login: DemoLogin, province: str) -> Unit:
    root = Unit.objects.get(code=_province_code(province))
    if login.unit_code is None:
        return root
    if login.unit_code == Level.NATION:
        return Unit.objects.get(code=NATION_CODE)
    preferred = PREFERRED.get(province[:2], {}).get(login.unit_code)
    if preferred and Unit.objects.filter(code=preferred).exists():
        return Unit.objects.get(code=preferred)
    units = Unit.objects.filter(path__startswith=root.path, level=login.unit_code, kind="regular")
    return units.order_by("path").first() or root


def _ensure_login(login: DemoLogin, unit: Unit) -> None:
    user_model = get_user_model()
    user = user_model.objects.filter(username=login.username).first()
    if user is None:
        user = services.create_user(username=login.username, password=login.password, actor=None)
    else:
        if not user.check_password(login.password):  # a second run writes nothing new
            set_password(user=user, password=login.password, actor=None, reason=DEMO_REASON)
        if not user.is_active:
            set_active(user=user, active=True, actor=None, reason=DEMO_REASON)
        lockout.register_success(login.username)
    services.add_member(user=user, unit=unit, role=login.role, actor=None, reason=DEMO_REASON)


@transaction.atomic
def prepare_demo(*, province: str, data_dir: Path) -> list[tuple[str, str, str, str]]:
    """Load the province's units, fill staff figures, (re)set the demo logins. Idempotent.

    Returns (username, password, role label, unit name) per login.
    `data_dir` is accepted for the demo command's contract; units need no files there.
    """
    services.load_units(rows=reference_rows([province[:2]]), actor=None, reason=DEMO_REASON)
    _fill_staff_figures(province)
    logins = []
    for login in DEMO_LOGINS:
        unit = _unit_for(login, province)
        _ensure_login(login, unit)
        logins.append((login.username, login.password, str(login.role.label), unit.name_zh))
    return logins
