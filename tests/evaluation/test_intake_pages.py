"""The run page lists the data versions a run from intake read; the unit profile traces each
indicator to its element values and their versions, and links to the unit's weak-unit record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from grassroots.assistance.models import Designation, WeakLevel, WeakStatus
from grassroots.evaluation.models import RunStatus
from grassroots.evaluation.runs import INTAKE_SOURCE, run_evaluation
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member

PERIOD = "2024Q4"
ABSENT = "370102"  # no data version (conftest's province-wide upload leaves it out)


@pytest.fixture
def intake_run(scheme, province_version, published):
    run = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    assert run.status == RunStatus.DONE, run.error
    return published(run)


def english(client: Client) -> Client:
    """The language switch's cookie: the interface ignores the browser's Accept-Language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def a_scored_unit(run, prefix: str = "37") -> str:
    return sorted(c for c in run.data_versions["cases"] if c.startswith(prefix))[0]


def test_the_run_page_lists_the_versions_with_links_and_the_units_without_data(
    intake_run, province_version, member
) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    html = client.get(reverse("evaluation:run", args=[intake_run.pk])).content.decode()
    link = reverse("intake:version", args=[province_version.pk])
    assert f'href="{link}"' in html
    assert province_version.source_name in html
    missing = html[html.index('id="run-missing"') :]
    assert ABSENT in missing[: missing.index("</ul>")]


def test_a_city_reviewer_sees_only_the_missing_units_of_their_city(intake_run, member) -> None:
    client = member(Role.CITY_REVIEWER, "370200")  # Qingdao; the absent unit is in Jinan
    html = client.get(reverse("evaluation:run", args=[intake_run.pk])).content.decode()
    assert "run-versions" in html
    assert ABSENT not in html
    # The province-wide version is not theirs to open: listed without a link.
    assert (
        reverse(
            "intake:version",
            args=[intake_run.data_versions["cases"][a_scored_unit(intake_run, "3702")]],
        )
        not in html
    )


def test_the_run_page_shows_a_version_superseded_after_the_run_as_the_one_used(
    scheme, province_version, admin, cases_dir, unit_export, tmp_path, member, accept, reopen
) -> None:
    from grassroots.intake.cases.services import import_cases

    code = sorted(set(province_version.element_values.values_list("unit__code", flat=True)))[0]
    unit = Unit.objects.get(code=code)
    reopen(
        PERIOD, [code]
    )  # the province returns the accepted period, the unit uploads its own records
    own = import_cases(
        source=unit_export(cases_dir, code, tmp_path / "own"), unit=unit, period=PERIOD, actor=admin
    )
    accept(PERIOD, [code])
    run = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    reopen(PERIOD, [code])
    newer = import_cases(
        source=unit_export(cases_dir, code, tmp_path / "newer", keep=0.5),
        unit=unit,
        period=PERIOD,
        actor=admin,
    )
    assert newer.supersedes_id == own.pk
    html = (
        member(Role.PROVINCE_ADMIN, "370000")
        .get(reverse("evaluation:run", args=[run.pk]))
        .content.decode()
    )
    table = html[html.index('id="run-versions"') :]
    table = table[: table.index("</table>")]
    assert f'href="{reverse("intake:version", args=[own.pk])}"' in table
    assert f"已被 #{newer.pk} 替代" in table
    assert f'href="{reverse("intake:version", args=[newer.pk])}"' not in table


def test_the_profile_traces_each_indicator_to_element_values_and_versions(
    intake_run, province_version, member
) -> None:
    code = a_scored_unit(intake_run)
    client = english(member(Role.PROVINCE_ADMIN, "370000"))
    html = client.get(
        reverse("evaluation:unit-profile", args=[intake_run.pk, code])
    ).content.decode()
    table = html[html.index('id="trace-table"') :]
    table = table[: table.index("</table>")]
    assert f'href="{reverse("intake:version", args=[province_version.pk])}"' in table
    # The element values shown are the version's stored ones.
    value = province_version.element_values.get(unit__code=code, element="arrest_approved_persons")
    assert "arrest_approved_persons" in table
    assert f"{value.value:g}" in table


def test_a_folder_run_profile_says_its_element_values_are_not_traced(runs, member) -> None:
    run = runs["2024Q4"]
    code = run.results.filter(node="core-business").order_by("unit_code").first().unit_code
    html = (
        english(member(Role.PROVINCE_ADMIN, "370000"))
        .get(reverse("evaluation:unit-profile", args=[run.pk, code]))
        .content.decode()
    )
    assert "trace-table" not in html
    assert "element values were not stored" in html


# ------------------------------------------------------------------- weak-unit record link


@pytest.fixture
def designated(runs) -> tuple[str, Designation]:
    code = runs["2024Q4"].results.filter(node="core-business").order_by("unit_code")[0].unit_code
    designation = Designation.objects.create(
        unit=Unit.objects.get(code=code),
        level=WeakLevel.PROVINCIAL,
        designated_on=dt.date(2025, 1, 15),
        status=WeakStatus.DESIGNATED,
    )
    return code, designation


def test_the_profile_links_to_the_weak_unit_record_with_status_and_level(
    runs, designated, member
) -> None:
    code, _ = designated
    html = (
        member(Role.PROVINCE_ADMIN, "370000")
        .get(
            reverse("evaluation:unit-profile", args=[runs["2024Q4"].pk, code]),
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        .content.decode()
    )
    record = html[html.index('id="weak-record"') :]
    record = record[: record.index("</p>")]
    assert f'href="{reverse("assistance:plan", args=[code])}"' in record
    assert "省级" in record
    assert "2025-01-15" in record


def test_no_weak_unit_link_for_a_unit_never_designated(runs, designated, member) -> None:
    code, _ = designated
    other = (
        runs["2024Q4"]
        .results.filter(node="core-business")
        .exclude(unit_code=code)
        .order_by("unit_code")[0]
        .unit_code
    )
    html = (
        member(Role.PROVINCE_ADMIN, "370000")
        .get(reverse("evaluation:unit-profile", args=[runs["2024Q4"].pk, other]))
        .content.decode()
    )
    assert 'id="weak-record"' not in html
    assert reverse("assistance:plan", args=[other]) not in html


def test_the_weak_record_link_follows_the_plan_pages_scope(runs, designated) -> None:
    from grassroots.evaluation.links import weak_record

    code, designation = designated
    city = Unit.objects.get(code=code).parent.code
    users = {}
    for name, unit in (("inside", city), ("outside", "370200" if city != "370200" else "370100")):
        user = get_user_model().objects.create_user(username=f"weak-{name}", password="x")
        add_member(user=user, unit=Unit.objects.get(code=unit), role=Role.CITY_REVIEWER, actor=None)
        users[name] = user
    assert weak_record(users["inside"], code) == designation
    assert weak_record(users["outside"], code) is None
    # And the link it stands for opens for the one and not for the other.
    inside, outside = Client(), Client()
    inside.force_login(users["inside"])
    outside.force_login(users["outside"])
    assert inside.get(reverse("assistance:plan", args=[code])).status_code == 200
    assert outside.get(reverse("assistance:plan", args=[code])).status_code == 404
    # The profile itself stays out of reach for the other city (404, not a hidden link).
    assert (
        outside.get(reverse("evaluation:unit-profile", args=[runs["2024Q4"].pk, code])).status_code
        == 404
    )


# ------------------------------------------------------------------ records behind a value


def test_the_records_page_lists_the_case_rows_behind_an_element_value(
    intake_run, province_version, member
) -> None:
    code = a_scored_unit(intake_run)
    client = member(Role.PROVINCE_ADMIN, "370000")
    profile = client.get(reverse("evaluation:unit-profile", args=[intake_run.pk, code]))
    url = reverse(
        "evaluation:element-records", args=[intake_run.pk, code, "arrest_approved_persons"]
    )
    assert f'href="{url}"' in profile.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    stored = province_version.element_values.get(unit__code=code, element="arrest_approved_persons")
    table = html[html.index('id="records"') :]
    table = table[: table.index("</table>")]
    shown = table.count("<tr>") - 1  # minus the header row
    assert shown == min(int(stored.value), 200)
    assert f"{int(stored.value)} " in html  # the total of matching records
    # The arrest decision by its name in the reader's language, its code in the cell's title.
    assert '<td title="approved">批准逮捕</td>' in table
    assert f'href="{reverse("intake:version", args=[province_version.pk])}"' in html


def test_the_records_page_answers_404_out_of_scope_and_for_unknown_or_reported_elements(
    intake_run, member
) -> None:
    jinan = a_scored_unit(intake_run, "3701")
    url = reverse(
        "evaluation:element-records", args=[intake_run.pk, jinan, "arrest_approved_persons"]
    )
    # Qingdao's reviewer: the Jinan unit is outside their scope.
    assert member(Role.CITY_REVIEWER, "370200").get(url).status_code == 404
    # Jinan's reviewer sees the unit, but the province-wide version is not theirs to open.
    assert member(Role.CITY_REVIEWER, "370100").get(url).status_code == 404
    admin = member(Role.PROVINCE_ADMIN, "370000")
    bad = reverse("evaluation:element-records", args=[intake_run.pk, jinan, "no_such_element"])
    assert admin.get(bad).status_code == 404
    # The absent unit has no data version in this run.
    none = reverse(
        "evaluation:element-records", args=[intake_run.pk, ABSENT, "arrest_approved_persons"]
    )
    assert admin.get(none).status_code == 404


def test_the_records_page_is_404_for_a_folder_run(runs, member) -> None:
    run = runs["2024Q4"]
    code = run.results.order_by("unit_code").first().unit_code
    url = reverse("evaluation:element-records", args=[run.pk, code, "arrest_approved_persons"])
    assert member(Role.PROVINCE_ADMIN, "370000").get(url).status_code == 404


def test_a_version_whose_checksum_changed_is_not_vouched_for_on_the_profile(
    intake_run, province_version, member
) -> None:
    from grassroots.intake.models import DataVersion

    DataVersion.objects.filter(pk=province_version.pk).update(checksum="0" * 64)
    code = a_scored_unit(intake_run)
    response = english(member(Role.PROVINCE_ADMIN, "370000")).get(
        reverse("evaluation:unit-profile", args=[intake_run.pk, code])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "trace-table" not in html
    assert "no longer match their recorded checksums" in html
