"""Deterministic synthetic case records for a province or the nation (demo, tests, benchmarks).

``generate(out, SynthOptions(...))`` writes into ``out``:

* ``units.csv``: every unit of the catalogue (grassroots, city, province) with
  unit_code, name, peer_group, parent, level, kind and plausible staff figures;
* ``persons``, ``events``, ``matters`` in the case-record format of
  :mod:`grassroots.engine.caseformat` (Parquet by default, CSV optional) for grassroots units;
* ``truth.json``: the planted truth — latent quality per unit and period, the weak units, which
  improve, which one relapses (per province), the seed and the parameters.

Pure numpy + pyarrow, vectorised, written in chunks of units so a national run stays within a
few GB of memory at any ``scale``.
"""

from __future__ import annotations

from grassroots.engine.synth.generator import (
    SynthError,
    SynthOptions,
    SynthSummary,
    generate,
    quarters,
)
from grassroots.engine.synth.output import OutputFormat
from grassroots.engine.synth.population import StaffFigures, staff_figures
from grassroots.engine.synth.quality import Trajectory

__all__ = [
    "OutputFormat",
    "StaffFigures",
    "SynthError",
    "SynthOptions",
    "SynthSummary",
    "Trajectory",
    "generate",
    "quarters",
    "staff_figures",
]
