"""Suite-wide fixtures. PostgreSQL must be reachable: in CI an unreachable server is a failure."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any

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


# The tiny province of the rule and page tests (the `province` fixture: the one copy of it):
# 370000 山东省人民检察院
#   370100 济南市人民检察院   370102 历下区, 370103 市中区, 370104 槐荫区
#   370200 青岛市人民检察院   370202 市南区
TINY_PROVINCE = [
    UnitRow("370000", "山东省人民检察院", "province", None),
    UnitRow("370100", "济南市人民检察院", "city", "370000"),
    UnitRow("370102", "历下区人民检察院", "grassroots", "370100"),
    UnitRow("370103", "市中区人民检察院", "grassroots", "370100"),
    UnitRow("370104", "槐荫区人民检察院", "grassroots", "370100"),
    UnitRow("370200", "青岛市人民检察院", "city", "370000"),
    UnitRow("370202", "市南区人民检察院", "grassroots", "370200"),
]

# The same province with English names and staffing figures, for the browser tests' pages.
# (The page and rule tests need no names in English: `province` loads the rows above.)
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
        "370104",
        "槐荫区人民检察院",
        "grassroots",
        "370100",
        name_en="Huaiyin District Procuratorate",
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


@pytest.fixture
def province(db: Any) -> dict[str, Any]:
    """The tiny province, loaded: unit code -> Unit."""
    from grassroots.organisations.models import Unit
    from grassroots.organisations.services import load_units

    load_units(rows=TINY_PROVINCE, actor=None, reason="fixture")
    return {u.code: u for u in Unit.objects.all()}


@pytest.fixture
def make_member(province: dict[str, Any]) -> Callable[..., Any]:
    """make(role, unit_code, username=None): a user with that role at that unit."""
    from django.contrib.auth import get_user_model

    from grassroots.organisations.models import Unit
    from grassroots.organisations.services import add_member

    def make(role: Any, code: str, username: str | None = None) -> Any:
        user = get_user_model().objects.create_user(
            username=username or f"{role}-{code}", password="pw-for-tests-only"
        )
        add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
        return get_user_model().objects.select_related("membership__unit").get(pk=user.pk)

    return make


@pytest.fixture(scope="session")
def small_province_rows() -> list[UnitRow]:
    """The rows of the small province, for `organisations.services.load_units`."""
    return SMALL_PROVINCE_ROWS


def audited_work(units: dict[str, Any], admin: Any, *, keep_problem: bool) -> None:
    """Real weak-unit and intake work in the small province, through the services, so the
    audit log holds entries of several apps: designate 370102, pair it, add a problem and a
    measure, edit the measure (keeping or dropping its problem), and validate Jinan's units."""
    from grassroots.assistance.models import Dimension, MeasureStatus, ProblemSource, WeakLevel
    from grassroots.assistance.services import (
        add_measure,
        add_problem,
        designate_weak_unit,
        edit_measure,
        pair_weak_unit,
    )
    from grassroots.intake.models import Trigger
    from grassroots.intake.validation.services import run_validation

    designation = designate_weak_unit(
        unit=units["370102"],
        level=WeakLevel.PROVINCIAL,
        designated_on=dt.date(2024, 10, 8),
        reasons={Dimension.BUSINESS: "案件质量评价指标连续两个季度排名靠后"},
        actor=admin,
    )
    pair_weak_unit(designation=designation, partner=units["370202"], actor=admin)
    problem = add_problem(
        designation=designation,
        dimension=Dimension.BUSINESS,
        source=ProblemSource.DATA,
        description="不捕率偏低",
        actor=admin,
    )
    measure = add_measure(
        designation=designation,
        title="开展羁押必要性审查专项活动",
        leader="张三",
        department="第一检察部",
        created_on=dt.date(2024, 10, 9),
        deadline=dt.date(2024, 12, 31),
        problem=problem,
        actor=admin,
    )
    edit_measure(
        measure=measure,
        title=measure.title,
        leader=measure.leader,
        department=measure.department,
        deadline=measure.deadline,
        problem=problem if keep_problem else None,
        status=MeasureStatus.IN_PROGRESS,
        on=dt.date(2024, 10, 20),
        actor=admin,
    )
    run_validation(
        scope=units["370100"],
        units=[units["370102"], units["370103"]],
        period="2024Q3",
        actor=admin,
        trigger=Trigger.ON_DEMAND,
    )


@pytest.fixture
def do_audited_work() -> Callable[..., None]:
    """`audited_work`, for tests in any folder (test modules cannot import one another)."""
    return audited_work


# ------------------------------------------- accepted intake data and published runs (11.1-2)


def accept_intake(period: str, codes: Any = None) -> None:
    """Mark the grassroots units' data for ``period`` accepted (locked) by the province, as the
    workflow's last step leaves it: for tests whose subject is not the workflow itself."""
    from django.utils import timezone

    from grassroots.intake.models import Submission, SubmissionStatus
    from grassroots.organisations.models import Level, Unit

    units = Unit.objects.filter(level=Level.GRASSROOTS)
    if codes is not None:
        units = units.filter(code__in=list(codes))
    for unit in units:
        Submission.objects.update_or_create(
            unit=unit,
            period=period,
            defaults={
                "status": SubmissionStatus.ACCEPTED,
                "updated": timezone.now(),
                "updated_by": "test",
            },
        )


def publish(run: Any) -> Any:
    """Publish a finished run as a province administrator at the top of the unit tree."""
    from django.contrib.auth import get_user_model

    from grassroots.evaluation.publication import publish_run
    from grassroots.organisations.models import Role, Unit
    from grassroots.organisations.services import add_member

    user = get_user_model().objects.filter(username="test-publisher").first()
    if user is None:
        user = get_user_model().objects.create_user(username="test-publisher", password="x")
        top = Unit.objects.filter(parent__isnull=True).order_by("path").first()
        add_member(user=user, unit=top, role=Role.PROVINCE_ADMIN, actor=None)
    return publish_run(run=run, actor=user)


@pytest.fixture
def accept(db) -> Callable[..., None]:
    """``accept(period, codes=None)``: the province accepted these units' data (`accept_intake`)."""
    return accept_intake


@pytest.fixture
def published(db) -> Callable[[Any], Any]:
    """``published(run)``: the run, published by a province administrator (`publish`)."""
    return publish


def reopen_intake(period: str, codes: Any) -> None:
    """The province returned these units' accepted data for ``period`` (unlocked it), so they
    may upload again: for tests whose subject is not the workflow itself."""
    from grassroots.intake.models import Submission, SubmissionStatus

    Submission.objects.filter(unit__code__in=list(codes), period=period).update(
        status=SubmissionStatus.RETURNED
    )


@pytest.fixture
def reopen(db) -> Callable[..., None]:
    """``reopen(period, codes)``: the province unlocked these units' data (`reopen_intake`)."""
    return reopen_intake


@pytest.fixture(autouse=True)
def _language_reset() -> Any:
    """Each test starts in the default language: a test whose client switched to English
    leaves the thread's active language behind, which would make a later test's service
    messages English."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def workflow_people(make_member) -> dict[str, object]:
    """The submission workflow's cast: clerks of 历下, 市中 and 槐荫, the reviewers of Jinan and
    Qingdao, and the province's administrator."""
    from grassroots.organisations.models import Role

    return {
        "clerk": make_member(Role.GRASSROOTS_CLERK, "370102", "clerk"),
        "clerk2": make_member(Role.GRASSROOTS_CLERK, "370103", "clerk2"),
        "clerk3": make_member(Role.GRASSROOTS_CLERK, "370104", "clerk3"),
        "jinan": make_member(Role.CITY_REVIEWER, "370100", "jinan"),
        "qingdao": make_member(Role.CITY_REVIEWER, "370200", "qingdao"),
        "admin": make_member(Role.PROVINCE_ADMIN, "370000", "admin"),
    }
