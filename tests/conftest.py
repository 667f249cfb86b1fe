"""Suite-wide fixtures. PostgreSQL must be reachable: in CI an unreachable server is a failure."""

from __future__ import annotations

import os
from decimal import Decimal

import psycopg
import pytest
from django.conf import settings

from grassroots.organisations.unitfile import UnitRow


def pytest_sessionstart(session: pytest.Session) -> None:
    db = settings.DATABASES["default"]
    dsn = (
        f"host={db.get('HOST') or '127.0.0.1'} port={db.get('PORT') or 5432} "
        f"user={db.get('USER') or 'postgres'} dbname=postgres connect_timeout=5"
    )
    if db.get("PASSWORD"):
        dsn += f" password={db['PASSWORD']}"
    try:
        psycopg.connect(dsn).close()
    except psycopg.OperationalError as exc:
        raise pytest.UsageError(
            f"PostgreSQL is not reachable ({dsn.split(' dbname')[0]}): {exc}. "
            "Start it (pg_ctlcluster 15 main start) or set DATABASE_URL. "
            f"CI={os.environ.get('CI', '')!r}: the suite never falls back to SQLite."
        ) from None


# A small province shared by the page and browser tests:
# 370000 山东省人民检察院
#   370100 济南市人民检察院   370102 历下区, 370103 市中区
#   370200 青岛市人民检察院   370202 市南区
SMALL_PROVINCE_ROWS = [
    UnitRow(
        "370000", "山东省人民检察院", "province", None, name_en="Shandong Provincial Procuratorate"
    ),
    UnitRow(
        "370100", "济南市人民检察院", "city", "370000", name_en="Jinan Municipal Procuratorate"
    ),
    UnitRow(
        "370102",
        "历下区人民检察院",
        "grassroots",
        "370100",
        name_en="Lixia District Procuratorate",
        peer_group="370100",
        headcount=61,
        procurators=23,
        under_45_share=Decimal("48.5"),
    ),
    UnitRow(
        "370103",
        "市中区人民检察院",
        "grassroots",
        "370100",
        name_en="Shizhong District Procuratorate",
    ),
    UnitRow(
        "370200", "青岛市人民检察院", "city", "370000", name_en="Qingdao Municipal Procuratorate"
    ),
    UnitRow(
        "370202",
        "市南区人民检察院",
        "grassroots",
        "370200",
        name_en="Shinan District Procuratorate",
    ),
]


@pytest.fixture(scope="session")
def small_province_rows() -> list[UnitRow]:
    """The rows of the small province, for `organisations.services.load_units`."""
    return SMALL_PROVINCE_ROWS
