"""Issue 19.6-7: a run's parameters are checked on every path, the OpenAPI document names each
schema once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client

from grassroots.evaluation.errors import RunError
from grassroots.evaluation.models import EvaluationRun
from grassroots.evaluation.runs import queue_run
from grassroots.evaluation.schemes import latest_scheme_version
from grassroots.organisations.models import Role


@pytest.mark.parametrize(
    ("field", "value"),
    [("seed", -1), ("seed", 2**32), ("sensitivity", -1), ("sensitivity", 100_000)],
)
def test_the_service_refuses_parameters_outside_their_limits(
    two_provinces, folder: Path, field: str, value: int
) -> None:
    parameters = {"sensitivity": 0, "seed": 0, field: value}
    with pytest.raises(RunError):
        queue_run(
            scheme_version=latest_scheme_version("core-business"),
            period="2024Q4",
            source=folder,
            actor=None,
            **parameters,
        )
    assert not EvaluationRun.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"seed": -1},
        {"sensitivity": -5},
        {"sensitivity": 10**9},
        {"period": "2024Q4" * 10},
        {"scheme": "x" * 300},
    ],
)
def test_the_api_refuses_what_the_form_refuses(bearer, data_dir, payload) -> None:
    source = data_dir / "cases" / "2024"
    source.mkdir(parents=True)
    (source / "persons.parquet").write_bytes(b"PAR1")
    body = {"scheme": "core-business", "period": "2024Q4", "source": str(source.resolve())}
    body |= payload
    response = Client().post(
        "/api/evaluation/runs",
        body,
        content_type="application/json",
        **bearer(Role.PROVINCE_ADMIN, "370000"),
    )
    assert response.status_code == 422
    assert not EvaluationRun.objects.exists()


def test_the_api_queues_a_run_within_the_limits(bearer, data_dir) -> None:
    source = data_dir / "cases" / "2024"
    source.mkdir(parents=True)
    (source / "persons.parquet").write_bytes(b"PAR1")
    body = {"scheme": "core-business", "period": "2024Q4", "source": str(source.resolve())}
    response = Client().post(
        "/api/evaluation/runs",
        body | {"seed": 7, "sensitivity": 0},
        content_type="application/json",
        **bearer(Role.PROVINCE_ADMIN, "370000"),
    )
    assert response.status_code == 202, response.content
    assert EvaluationRun.objects.get().parameters["seed"] == 7


def test_the_openapi_document_names_each_schema_once(client, db) -> None:
    """Two schemas of one class name would overwrite each other in the document."""
    from ninja import Schema

    from grassroots.web.api import api

    names: dict[str, set[str]] = {}
    for router in [r for _, r in api._routers]:
        for view in router.path_operations.values():
            for op in view.operations:
                for model in op.response_models.values():
                    for cls in _models(getattr(model, "__annotations__", {}).get("response")):
                        if isinstance(cls, type) and issubclass(cls, Schema):
                            names.setdefault(cls.__name__, set()).add(cls.__module__)
    twice = {n: m for n, m in names.items() if len(m) > 1}
    assert not twice
    spec = client.get("/api/openapi.json").json()
    assert "ProblemOut" in spec["components"]["schemas"]


def _models(annotation: object) -> list[object]:
    args = getattr(annotation, "__args__", None)
    if not args:
        return [annotation]
    return [m for a in args for m in _models(a)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "措" * 301),
        ("leader", "张" * 101),
        ("department", "部" * 101),
        ("title", ""),
        ("title", "措" * 300),  # the longest the form takes: stored
    ],
)
def test_the_api_refuses_text_longer_than_the_form_allows(
    province, make_member, do_audited_work, field, value
) -> None:
    """A 301-character measure title once reached the database: a 500 on PostgreSQL."""
    from grassroots.assistance.models import Measure
    from grassroots.organisations.services import issue_token

    admin = make_member(Role.PROVINCE_ADMIN, "370000", "admin")
    do_audited_work(province, admin, keep_problem=True)
    token = issue_token(user=admin, name="t", ttl=dt.timedelta(days=1), actor=None).token
    before = Measure.objects.count()
    body = {"title": "整改", "leader": "张三", "department": "第一检察部", "deadline": "2099-12-31"}
    response = Client().post(
        "/api/assistance/weak-units/370102/measures",
        body | {field: value},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    if len(value) == 300:
        assert response.status_code == 201, response.content
        assert Measure.objects.count() == before + 1
        return
    assert response.status_code == 422
    assert Measure.objects.count() == before


def test_a_nul_byte_in_api_text_is_a_422_not_a_500(province, make_member, do_audited_work) -> None:
    from grassroots.organisations.services import issue_token

    admin = make_member(Role.PROVINCE_ADMIN, "370000", "admin")
    do_audited_work(province, admin, keep_problem=True)
    token = issue_token(user=admin, name="t", ttl=dt.timedelta(days=1), actor=None).token
    body = {"title": "整\x00改", "leader": "张三", "department": "一部", "deadline": "2099-12-31"}
    response = Client().post(
        "/api/assistance/weak-units/370102/measures",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    assert "NUL" in response.json()["detail"] or "空字符" in response.json()["detail"]
