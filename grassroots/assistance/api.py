"""API endpoints of the assistance app, mounted by grassroots.api.main under /api/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["assistance"])
