"""The tiny province with the six generated datasets uploaded by the province and the three
shipped models listed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grassroots.engine.supervision import synth
from grassroots.organisations.models import Role


@pytest.fixture
def planted() -> synth.Planted:
    return synth.build(seed=16)


@pytest.fixture
def admin(make_member: Callable[..., Any]) -> Any:
    return make_member(Role.PROVINCE_ADMIN, "370000", "sd-admin")


@pytest.fixture
def loaded(
    admin: Any, province: dict[str, Any], planted: synth.Planted, tmp_path: Path
) -> dict[str, Any]:
    """Datasets uploaded and models listed; returns the model versions by code."""
    from grassroots.supervision.demo import install

    return install(
        actor=admin,
        unit=province["370000"],
        planted=planted,
        folder=tmp_path,
        today=dt.date(2025, 1, 10),
    )
