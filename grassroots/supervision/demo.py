"""Install the three shipped models and their generated datasets (CLI ``supervision demo``, tests)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from grassroots.engine.supervision import synth
from grassroots.organisations.models import Unit
from grassroots.supervision.models import ModelVersion
from grassroots.supervision.services import (
    advance_model_version,
    save_model_version,
    upload_dataset,
)


def install(
    *, actor: Any, unit: Unit, planted: synth.Planted, folder: Path, today: dt.date
) -> dict[str, ModelVersion]:
    """Upload the six datasets (as CSV, the pension file in GB18030) and list the three models."""
    for name, spec in synth.DATASETS.items():
        path = synth.write_csv(planted.rows[name], spec, folder / f"{name}.csv")
        upload_dataset(
            actor=actor,
            unit=unit,
            name=name,
            title=spec.title_zh,
            source_agency=spec.agency_zh,
            data_date=today,
            legal_basis=spec.legal_basis,
            columns=spec.columns,
            file=path,
            filename=path.name,
        )
    versions: dict[str, ModelVersion] = {}
    for model in synth.MODELS:
        version = save_model_version(
            actor=actor,
            unit=unit,
            code=model.code,
            name_zh=model.name_zh,
            name_en=model.name_en,
            business_line=model.business_line,
            supervision_point=model.supervision_point,
            sql=model.sql,
            parameters=model.parameters,
        )
        advance_model_version(actor=actor, version=version)
        versions[model.code] = advance_model_version(actor=actor, version=version)
    return versions
