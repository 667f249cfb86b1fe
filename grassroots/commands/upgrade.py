"""``grassroots upgrade``: apply a new version's migrations, on a copy first.

grassroots upgrade --dry-run [--from-backup DIR]
    Back the installation up (or take the backup DIR), restore it into a temporary database
    and data directory, run the migrations there, report what they did and how long they
    took, and remove the copy. The installation itself is not changed.
grassroots upgrade
    Apply the migrations to the installation, once a dry run succeeded for exactly the
    migrations now pending (``--skip-dry-run`` to go without, not recommended).

The steps around it (stop the services, back up, install the new wheels, ...) are in
docs/operations.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grassroots import __version__
from grassroots.commands import _markers
from grassroots.commands._errors import UsageError
from grassroots.commands._lang import tr


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("upgrade", help="apply new migrations (--dry-run: on a copy first)")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="run the migrations on a restored copy in a temporary database and report",
    )
    p.add_argument(
        "--from-backup",
        type=Path,
        metavar="DIR",
        help="with --dry-run: restore this backup for the copy instead of making a new one",
    )
    p.add_argument(
        "--skip-dry-run",
        action="store_true",
        help="migrate although no dry run covered these migrations (not recommended)",
    )
    p.set_defaults(func=run)


def pending_migrations() -> list[str]:
    """The migrations the configured database lacks, in the order they would run."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def run(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    if args.from_backup is not None and not args.dry_run:
        raise UsageError(
            tr("--from-backup goes with --dry-run", "--from-backup 需与 --dry-run 一起使用")
        )
    setup_django(require_migrated=False)
    return dry_run(args.from_backup) if args.dry_run else upgrade(skip_dry_run=args.skip_dry_run)


def dry_run(from_backup: Path | None) -> int:
    from django.conf import settings
    from django.db import connection

    from grassroots.commands._backup import Database, make_backup, verify_backup

    pending = pending_migrations()
    db = Database.configured()
    work = Path(tempfile.mkdtemp(prefix="grassroots-upgrade-"))
    copy_name = ""
    try:
        if from_backup is None:
            backup = work / "backup"
            make_backup(backup, mark=False)
        else:
            backup = from_backup
            verify_backup(backup)
        if db.vendor == "postgresql":
            copy_name = f"{db.name}_upgrade_{os.getpid()}"[-63:]
            _create_database(copy_name)
            url = db.url(copy_name)
        else:
            url = db.url(str(work / "copy.sqlite3"))
        env = {**os.environ, "DATABASE_URL": url, "GRASSROOTS_DATA_DIR": str(work / "data")}
        _step(["restore", str(backup)], env, tr("restoring the copy", "恢复副本"))
        started = time.monotonic()
        output = _step(
            ["manage", "migrate", "--noinput", "-v1"], env, tr("migrating the copy", "迁移副本")
        )
        seconds = time.monotonic() - started
        _step(["manage", "check"], env, tr("checking the migrated copy", "检查迁移后的副本"))
    except _StepFailed as failed:
        print(
            tr(
                f"dry run FAILED while {failed.what}; the installation was not changed:",
                f"试运行在{failed.what}时失败；系统本身未被改动：",
            ),
            file=sys.stderr,
        )
        print(failed.output.rstrip(), file=sys.stderr)
        return 1
    finally:
        if copy_name:
            connection.close()
            _drop_database(copy_name)
        shutil.rmtree(work, ignore_errors=True)

    applied = re.findall(r"Applying (\S+)\.\.\.", output)
    print(
        tr(
            f"dry run on a copy ({'backup ' + str(from_backup) if from_backup else 'a new backup'}"
            f"): {len(applied)} migration(s) applied in {seconds:.1f} s, the copy passes "
            "Django's checks; the installation was not changed",
            f"在副本（{'备份 ' + str(from_backup) if from_backup else '新做的备份'}）上试运行："
            f"{len(applied)} 个迁移用时 {seconds:.1f} 秒完成，副本通过 Django 检查；系统本身未被改动",
        )
    )
    for name in applied:
        print(f"  {name}")
    missed = [name for name in pending if name not in applied]
    if missed:
        print(
            tr(
                f"the backup did not need {len(missed)} migration(s) this database lacks "
                f"({', '.join(missed)}): dry-run without --from-backup",
                f"该备份不需要本数据库缺少的 {len(missed)} 个迁移（{'、'.join(missed)}）："
                "请不带 --from-backup 再试运行",
            )
        )
        return 1
    _markers.write(
        Path(settings.DATA_DIR),
        _markers.UPGRADE_CHECKED,
        {"pending": pending, "grassroots": __version__},
    )
    if pending:
        print(tr("now run `grassroots upgrade`", "接下来运行 `grassroots upgrade`"))
    return 0


def upgrade(*, skip_dry_run: bool) -> int:
    from django.conf import settings
    from django.core.management import call_command

    pending = pending_migrations()
    if not pending:
        print(tr("the database is up to date: nothing to migrate", "数据库已是最新：无需迁移"))
        return 0
    data_dir = Path(settings.DATA_DIR)
    checked = _markers.read(data_dir, _markers.UPGRADE_CHECKED)
    if not skip_dry_run and (checked is None or checked[1].get("pending") != pending):
        raise UsageError(
            tr(
                f"no dry run covered the {len(pending)} pending migration(s): run "
                "`grassroots upgrade --dry-run` first",
                f"待执行的 {len(pending)} 个迁移尚未试运行：请先运行 `grassroots upgrade --dry-run`",
            )
        )
    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=1)
    (data_dir / _markers.UPGRADE_CHECKED).unlink(missing_ok=True)
    print(
        tr(
            f"applied {len(pending)} migration(s) in {time.monotonic() - started:.1f} s",
            f"已应用 {len(pending)} 个迁移，用时 {time.monotonic() - started:.1f} 秒",
        )
    )
    return 0


class _StepFailed(Exception):
    def __init__(self, what: str, output: str) -> None:
        super().__init__(what)
        self.what = what
        self.output = output


def _step(argv: list[str], env: dict[str, str], what: str) -> str:
    """One ``grassroots`` command against the copy, in its own process (its own settings)."""
    done = subprocess.run(
        [sys.executable, "-m", "grassroots.cli", *argv],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise _StepFailed(what, done.stdout + done.stderr)
    return done.stdout


def _create_database(name: str) -> None:
    from django.db import connection
    from django.db.utils import Error

    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    except Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise UsageError(
            tr(
                f"cannot create the temporary database {name} for the copy ({first}): the "
                "database user needs the CREATEDB privilege",
                f"无法为副本创建临时数据库 {name}（{first}）：数据库用户需要 CREATEDB 权限",
            )
        ) from None


def _drop_database(name: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
