"""Periods are picked, not typed (issue 18.3).

Every intake page that needs a period opens on the current reporting period, lists the known and
recent periods by their Chinese names, and takes 2024Q4, 2024q4 and 2024年第四季度 alike; what is
not a period is said beside the control, or on the styled page in the reader's language.
"""

from __future__ import annotations

import datetime as dt

import pytest

from grassroots.intake.models import Deadline, Submission, SubmissionStatus
from grassroots.intake.selectors import current_period, period_choices
from grassroots.organisations.models import Role, Unit

NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def admin(make_member):
    return make_member(Role.PROVINCE_ADMIN, "370000", "admin")


def _submit(unit: str, period: str) -> None:
    Submission.objects.create(
        unit=Unit.objects.get(code=unit),
        period=period,
        status=SubmissionStatus.SUBMITTED,
        updated=NOW,
    )


def test_the_current_period_is_the_next_deadline_else_the_newest_known(province) -> None:
    today = dt.date(2025, 1, 5)
    # Nothing known: the last quarter that has ended.
    assert current_period(today=today) == "2024Q4"
    _submit("370102", "2024Q2")
    assert current_period(today=today) == "2024Q2"
    Deadline.objects.create(period="2024Q3", due=dt.date(2024, 10, 20), updated=NOW, updated_by="t")
    assert current_period(today=today) == "2024Q3"
    Deadline.objects.create(period="2024Q4", due=dt.date(2025, 1, 20), updated=NOW, updated_by="t")
    assert current_period(today=today) == "2024Q4"
    assert period_choices(today=today, count=4) == ["2024Q4", "2024Q3", "2024Q2", "2024Q1"]


def test_the_submissions_page_opens_on_the_current_period(client, admin) -> None:
    _submit("370102", "2024Q3")
    client.force_login(admin)
    page = client.get("/intake/submissions/").content.decode()
    assert 'value="2024Q3"' in page
    assert "2024年第三季度" in page  # the control names the period
    assert 'data-city="370100"' in page  # and the page counts that period's submissions


@pytest.mark.parametrize("typed", ["2024年第三季度", "2024q3", "2024 Q3"])
def test_pages_take_the_period_as_people_write_it(client, admin, typed: str) -> None:
    _submit("370102", "2024Q3")
    client.force_login(admin)
    for url in ("/intake/submissions/", "/intake/reporting/", "/intake/validation/"):
        response = client.get(url, {"period": typed})
        assert response.status_code == 200, url
        assert 'value="2024Q3"' in response.content.decode(), url


def test_a_typed_non_period_is_said_beside_the_control_in_chinese(client, admin) -> None:
    client.force_login(admin)
    page = client.get("/intake/submissions/", {"period": "明年"}).content.decode()
    assert 'aria-invalid="true"' in page
    assert "不是有效的期间" in page


def test_an_action_with_a_bad_period_gets_the_styled_page_not_bare_text(client, admin) -> None:
    client.force_login(admin)
    response = client.post(
        "/intake/submissions/act/", {"unit": "370102", "period": "bad", "action": "approve"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "<html" in page
    assert "不是有效的期间" in page
    assert "bad period" not in page
