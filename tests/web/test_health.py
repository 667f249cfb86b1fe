from __future__ import annotations

import os

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.mark.django_db
def test_health_reports_the_database_reachable(client, data_dir) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "migrated": True, "data_dir": True}
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to a read-only directory")
@pytest.mark.django_db
def test_health_is_not_ok_without_a_writable_data_dir(client, data_dir) -> None:
    """Issue 19.8: a data directory the server cannot write to is not a healthy server."""
    data_dir.chmod(0o500)
    try:
        response = client.get("/health/")
    finally:
        data_dir.chmod(0o700)
    assert response.status_code == 503
    assert response.json()["data_dir"] is False
    assert response.json()["status"] == "degraded"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["missing", "a file"])
def test_health_is_not_ok_without_a_data_dir(client, settings, tmp_path, kind) -> None:
    settings.DATA_DIR = tmp_path / "nowhere"
    if kind == "a file":
        settings.DATA_DIR.write_text("not a directory")
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["data_dir"] is False


@pytest.mark.django_db(transaction=True)
def test_health_is_not_ok_on_an_unmigrated_database(client, data_dir) -> None:
    """Issue 19.8: an empty database once answered "ok"."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    leaf = next(node for node in graph.leaf_nodes() if node[0] == "evaluation")
    previous = min(parent.key for parent in graph.node_map[leaf].parents)
    executor.migrate([previous])  # the newest evaluation migration not applied
    try:
        response = client.get("/health/")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert response.status_code == 503
    assert response.json()["migrated"] is False
    assert response.json()["database"] is True
