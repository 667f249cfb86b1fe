"""``grassroots restore DIR``: recreate an installation from a backup.

Into an empty database (DATABASE_URL) and an empty data directory (GRASSROOTS_DATA_DIR). The
SHA-256 sums are checked before anything is written: a changed, added or missing file refuses
the whole backup (exit 2). Then ``grassroots runs verify RUN`` reproduces any stored run.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from grassroots.commands._errors import UsageError
from grassroots.commands._lang import tr


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("restore", help="recreate the installation from a backup (checks its sums)")
    p.add_argument("backup", type=Path, metavar="DIR", help="a folder `grassroots backup` wrote")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from grassroots.commands._backup import restore_backup, verify_backup

    manifest = verify_backup(args.backup)  # before Django: refused whatever the target
    _setup()
    newer = _unknown_migrations(manifest)
    if newer:
        raise UsageError(
            tr(
                f"the backup comes from a newer version of Grassroots (migrations this version "
                f"does not have: {', '.join(newer[:5])}): install that version, then restore",
                f"该备份来自更新版本的 Grassroots（本版本没有的迁移：{'、'.join(newer[:5])}）："
                "请先安装该版本再恢复",
            )
        )
    manifest = restore_backup(args.backup)
    data_files = sum(1 for name in manifest["files"] if name.startswith("data/"))
    print(
        tr(
            f"restored {manifest['database']['engine']} database and {data_files} data file(s) "
            f"from the backup of {manifest['created']} (all SHA-256 sums matched)",
            f"已从 {manifest['created']} 的备份恢复 {manifest['database']['engine']} 数据库和 "
            f"{data_files} 个数据文件（SHA-256 校验和全部一致）",
        )
    )
    from grassroots.commands._django import _check_migrations

    try:
        _check_migrations()
    except UsageError:
        print(
            tr(
                "the backup is older than this version's database schema: run "
                "`grassroots upgrade --dry-run`, then `grassroots upgrade`",
                "备份早于当前版本的数据库结构：请先运行 `grassroots upgrade --dry-run`，"
                "再运行 `grassroots upgrade`",
            )
        )
    return 0


def _unknown_migrations(manifest: dict[str, Any]) -> list[str]:
    """Migrations the backup's database recorded that this version's code does not have."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [
        f"{app}.{name}"
        for app, names in sorted(manifest.get("migrations", {}).items())
        for name in names
        if (app, name) not in known
    ]


def _setup() -> None:
    """Django, without setup_django's checks: the data directory may not exist yet."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.web.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise UsageError(str(exc)) from None
