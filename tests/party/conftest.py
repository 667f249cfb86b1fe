from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def world(province: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    from tests.party.world import build_world

    return build_world()
