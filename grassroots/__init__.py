"""Grassroots: evaluation, early warning and assistance for grassroots procuratorates."""

from __future__ import annotations

__version__ = "0.1.0"
