"""`grassroots check --deploy` (issue 17.4): Django's deployment checks plus the project's own,
run as an operator runs it (a new process, production settings). Each finding is shown to
fail on a demo-like configuration and to pass on a production one."""

from __future__ import annotations

import datetime as dt
import json
import secrets

from grassroots.commands import _markers

PRODUCTION = "grassroots.web.settings"


def _lacking(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("LACKING")]


def test_a_demo_like_configuration_is_told_everything_it_lacks(tmp_path, fresh_database, cli):
    url = fresh_database("deploy_demo")
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)
    env = {
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "DATABASE_URL": url,
        "GRASSROOTS_DATA_DIR": str(data),
        "GRASSROOTS_DEBUG": "true",
        "LANG": "C.UTF-8",
    }
    checked = cli("check", "--deploy", env=env)
    assert checked.returncode == 1, checked.stderr
    lacking = "\n".join(_lacking(checked.stdout))
    for expected in (
        "debug is on",
        "GRASSROOTS_SECRET_KEY is not a production key",
        "HTTPS is off",
        "GRASSROOTS_ALLOWED_HOSTS names only this machine",
        "security.W008",  # Django's own: no SSL redirect
        "the database lacks migrations",
        "is open to other users (mode 755)",
        "no run worker is polling (last heartbeat: never)",
        "no backup was ever made",
    ):
        assert expected in lacking, expected
    assert f"{len(_lacking(checked.stdout))} thing(s) lacking" in checked.stdout

    chinese = cli("check", "--deploy", env={**env, "LANG": "zh_CN.UTF-8"})
    assert chinese.returncode == 1
    assert "缺少    调试模式已开启" in chinese.stdout
    assert "从未备份" in chinese.stdout


def test_a_production_configuration_passes_until_its_worker_stops_or_backups_age(
    tmp_path, fresh_database, cli
):
    url = fresh_database("deploy_prod")
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    env = {
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "DATABASE_URL": url,
        "GRASSROOTS_DATA_DIR": str(data),
        "GRASSROOTS_SECRET_KEY": secrets.token_urlsafe(50),
        "GRASSROOTS_HTTPS": "true",
        "GRASSROOTS_ALLOWED_HOSTS": "grassroots.jcy.example.gov.cn",
        "LANG": "C.UTF-8",
    }
    for step in (("manage", "migrate", "-v0"), ("runs", "work", "--once")):
        done = cli(*step, env=env)
        assert done.returncode == 0, done.stderr
    backup = cli("backup", "--out", str(tmp_path / "backups" / "1"), env=env)
    assert backup.returncode == 0, backup.stderr

    checked = cli("check", "--deploy", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert _lacking(checked.stdout) == []
    assert "the run worker polled" in checked.stdout
    assert "nothing lacking" in checked.stdout

    # The worker stopped an hour ago: its heartbeat is stale.
    beat = json.loads((data / _markers.HEARTBEAT).read_text())
    beat["at"] = (_markers.now() - dt.timedelta(hours=1)).isoformat()
    (data / _markers.HEARTBEAT).write_text(json.dumps(beat))
    stopped = cli("check", "--deploy", env={**env, "GRASSROOTS_BACKUP_MAX_AGE_HOURS": "0.0001"})
    assert stopped.returncode == 1
    lacking = "\n".join(_lacking(stopped.stdout))
    assert "no run worker is polling (last heartbeat: 60 min ago)" in lacking
    assert "older than 0.0001 h" in lacking
    assert len(_lacking(stopped.stdout)) == 2


def test_check_without_a_flag_is_a_usage_error(cli):
    done = cli("check", env={"LANG": "C"})
    assert done.returncode == 2
    assert "--deploy" in done.stderr


def test_a_worker_busy_with_a_long_run_counts_as_running(province, tiny_export, tmp_path) -> None:
    """The worker polls again only when its run is done: a stale heartbeat while a run is
    being computed is a busy worker, not a stopped one."""
    from grassroots.commands.check import _worker
    from grassroots.evaluation.runs import claim_next_run, queue_run
    from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes

    _markers.write(tmp_path, _markers.HEARTBEAT, {"pid": 1, "host": "h", "poll": 5})
    beat = json.loads((tmp_path / _markers.HEARTBEAT).read_text())
    beat["at"] = (_markers.now() - dt.timedelta(minutes=30)).isoformat()
    (tmp_path / _markers.HEARTBEAT).write_text(json.dumps(beat))
    stopped = _worker(tmp_path, database_ready=True)
    assert not stopped.ok
    assert "30 min ago" in stopped.text

    load_shipped_schemes()
    queued = queue_run(
        scheme_version=latest_scheme_version("core-business"),
        period="2024Q4",
        source=tiny_export,
        actor=None,
    )
    claimed = claim_next_run()
    assert claimed is not None
    assert claimed.pk == queued.pk
    busy = _worker(tmp_path, database_ready=True)
    assert busy.ok
    assert f"computing run {queued.pk}" in busy.text
