"""The API fuzzed from its own OpenAPI document (issue 19): for every operation, examples
generated from the schema, sent with a province administrator's token, never get a 500 and
never a status code the document does not list. Bounded (a few examples per operation), so it
stays well under the couple of minutes the suite allows it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from grassroots.assistance.models import Measure
from grassroots.evaluation.runs import queue_run
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, issue_token

EXAMPLES = 10


@pytest.fixture
def api_schema(province: dict[str, Any], settings: Any, tmp_path: Any) -> Iterator[Any]:
    settings.DATA_DIR = tmp_path
    # As Django's test client does: the requests share the test's transaction, so the end of
    # a request must not close its database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def auth(province: dict[str, Any]) -> dict[str, str]:
    load_shipped_schemes()
    user = get_user_model().objects.create_user(username="fuzz-admin", password="x")
    add_member(
        user=user, unit=Unit.objects.get(code="370000"), role=Role.PROVINCE_ADMIN, actor=None
    )
    token = issue_token(user=user, name="fuzz", ttl=dt.timedelta(days=1), actor=None).token
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def known(
    province: dict[str, Any], auth: Any, do_audited_work: Any, tmp_path: Any
) -> dict[str, Any]:
    """Path parameters that exist, so half the examples reach past the 404 of an unknown id:
    a weak unit with a problem and a measure, and a queued run of the province."""
    admin = get_user_model().objects.get(username="fuzz-admin")
    do_audited_work(province, admin, keep_problem=True)
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "persons.parquet").write_bytes(b"PAR1")
    run = queue_run(
        scheme_version=latest_scheme_version("core-business"),
        period="2024Q4",
        source=folder,
        actor=admin,
        sensitivity=0,
        scope=province["370000"],
    )
    return {
        "code": "370102",
        "run_id": run.pk,
        "measure_id": Measure.objects.values_list("pk", flat=True).first(),
    }


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def test_the_api_answers_every_generated_request_as_documented(api_schema, auth, known) -> None:
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 30  # every router is in the document

    for operation in operations:

        @SETTINGS
        @given(case=operation.as_strategy(), real=st.booleans())
        def check(case: Any, real: bool) -> None:
            if real and case.path_parameters:
                case.path_parameters = {
                    name: known.get(name, value) for name, value in case.path_parameters.items()
                }
            case.call_and_validate(
                headers=auth, checks=[not_a_server_error, status_code_conformance]
            )

        try:
            check()
        except Exception as exc:  # the operation's failure, kept to report them all at once
            failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:1500]
    assert failures == {}
