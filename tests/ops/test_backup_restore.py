"""Backup and restore (issue 17.5): `grassroots backup --out DIR` while the app runs, then
`grassroots restore DIR` into a fresh database and data directory, where `grassroots runs verify`
reproduces every stored run; a tampered backup is refused before anything is written."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from grassroots.cli import main
from grassroots.commands import _markers

pytestmark = pytest.mark.django_db(transaction=True)


def _restored_env(url: str, data_dir) -> dict[str, str]:
    return {"DATABASE_URL": url, "GRASSROOTS_DATA_DIR": str(data_dir), "LANG": "C.UTF-8"}


def test_a_backup_restores_into_a_fresh_installation_that_reproduces_every_run(
    demo_province, tmp_path, fresh_database, cli, tables, capsys
) -> None:
    out = tmp_path / "backup"
    assert main(["backup", "--out", str(out)]) == 0
    seal = hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    assert f"manifest.json's own SHA-256 (keep it apart from the backup): {seal}" in (
        capsys.readouterr().out
    )

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    version = demo_province["version"]
    stored = [n for n in manifest["files"] if n.startswith(f"data/versions/{version.pk}/")]
    assert stored, "the data version's Parquet files are in the backup"
    assert manifest["database"] == {"engine": "postgresql", "file": "database.pgdump"}
    assert "0006_run_publication" in manifest["migrations"]["evaluation"]
    # The installation records its latest backup (check --deploy reads it).
    marker = _markers.read(demo_province["data_dir"], _markers.LAST_BACKUP)
    assert marker is not None
    assert marker[1]["out"] == str(out.resolve())

    url = fresh_database("restore")
    data_dir = tmp_path / "restored-data"
    env = _restored_env(url, data_dir)
    restored = cli("restore", str(out), env=env)
    assert restored.returncode == 0, restored.stderr
    assert "SHA-256" in restored.stdout
    assert tables(url) > 10
    assert (data_dir / "versions" / str(version.pk)).is_dir()

    listing = cli("runs", "list", env=env)
    assert listing.returncode == 0, listing.stderr
    assert main(["runs", "list"]) == 0
    assert listing.stdout == capsys.readouterr().out  # the same runs, states and input hashes
    for run in demo_province["runs"]:
        verified = cli("runs", "verify", str(run.pk), env=env)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert f"run {run.pk}: reproduced" in verified.stdout


def test_a_tampered_backup_is_refused_and_nothing_is_written(
    demo_province, tmp_path, fresh_database, cli, tables
) -> None:
    out = tmp_path / "backup"
    assert main(["backup", "--out", str(out)]) == 0
    parquet = next((out / "data" / "versions").rglob("*.parquet"))
    raw = bytearray(parquet.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    parquet.write_bytes(bytes(raw))

    url = fresh_database("tampered")
    data_dir = tmp_path / "restored-data"
    refused = cli("restore", str(out), env=_restored_env(url, data_dir))
    assert refused.returncode == 2
    name = parquet.relative_to(out).as_posix()
    assert f"{name} has changed" in refused.stderr
    assert "nothing was restored" in refused.stderr
    assert tables(url) == 0
    assert not data_dir.exists() or not any(data_dir.iterdir())

    # In Chinese for a Chinese operator.
    chinese = cli("restore", str(out), env={**_restored_env(url, data_dir), "LANG": "zh_CN.UTF-8"})
    assert chinese.returncode == 2
    assert f"{name} 已被改动" in chinese.stderr
    assert "未恢复任何内容" in chinese.stderr


def test_an_added_or_missing_file_is_refused_too(demo_province, tmp_path, cli) -> None:
    out = tmp_path / "backup"
    assert main(["backup", "--out", str(out)]) == 0
    added, missing = tmp_path / "added", tmp_path / "missing"
    shutil.copytree(out, added)
    (added / "data" / "extra.txt").write_text("not from the installation")
    shutil.copytree(out, missing)
    (missing / "database.pgdump").unlink()
    for folder, problem in (
        (added, "data/extra.txt is not in the manifest"),
        (missing, "database.pgdump is missing"),
    ):
        refused = cli(
            "restore", str(folder), env={"LANG": "C", "GRASSROOTS_DATA_DIR": str(tmp_path / "x")}
        )
        assert refused.returncode == 2
        assert problem in refused.stderr


def test_restore_refuses_a_database_or_data_directory_that_is_not_empty(
    demo_province, tmp_path, cli, fresh_database
) -> None:
    out = tmp_path / "backup"
    assert main(["backup", "--out", str(out)]) == 0
    url = fresh_database("busy")
    busy = tmp_path / "busy-data"
    busy.mkdir()
    (busy / "something").write_text("x")
    refused = cli("restore", str(out), env=_restored_env(url, busy))
    assert refused.returncode == 2
    assert "is not empty" in refused.stderr

    # A backup of a newer version (its manifest lists a migration this code lacks) is refused.
    original = (out / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(original)
    manifest["migrations"]["evaluation"].append("9999_from_the_future")
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    empty = tmp_path / "empty-data"
    newer = cli("restore", str(out), env=_restored_env(url, empty))
    assert newer.returncode == 2
    assert "newer version of Grassroots" in newer.stderr
    assert "evaluation.9999_from_the_future" in newer.stderr
    assert not empty.exists()
    (out / "manifest.json").write_text(original, encoding="utf-8")

    assert cli("restore", str(out), env=_restored_env(url, empty)).returncode == 0
    again = cli("restore", str(out), env=_restored_env(url, tmp_path / "other-data"))
    assert again.returncode == 2
    assert "is not empty" in again.stderr


def test_backup_refuses_a_folder_that_is_not_empty(demo_province, tmp_path, capsys) -> None:
    out = tmp_path / "used"
    out.mkdir()
    (out / "old").write_text("x")
    assert main(["backup", "--out", str(out)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
