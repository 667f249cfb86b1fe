from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_health_reports_the_database_reachable(client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
