"""API endpoints of the evaluation app, mounted by grassroots.api.main under /api/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["evaluation"])
