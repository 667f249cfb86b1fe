"""The evaluation engine: pure Python + DuckDB + numpy. Imports nothing from Django or the apps."""

from __future__ import annotations
