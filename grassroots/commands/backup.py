"""``grassroots backup --out DIR``: a consistent copy of the installation while it runs.

The database (PostgreSQL: ``pg_dump``; SQLite: the online backup API), then the data directory,
then ``manifest.json`` with the SHA-256 of every file. ``grassroots restore DIR`` checks the sums
and recreates the installation. See docs/operations.md and ``grassroots.commands._backup``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from grassroots.commands._lang import tr


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("backup", help="copy the database and the data directory, with checksums")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="a new (or empty) folder")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from grassroots.commands._backup import MANIFEST, make_backup, sha256_of
    from grassroots.commands._django import setup_django

    setup_django(require_migrated=False)
    manifest = make_backup(args.out)
    data_files = sum(1 for name in manifest["files"] if name.startswith("data/"))
    seal = sha256_of(args.out / MANIFEST)
    print(
        tr(
            f"backup written to {args.out.resolve()}: {manifest['database']['engine']} database, "
            f"{data_files} data file(s), manifest.json with their SHA-256 sums; "
            f"manifest.json's own SHA-256 (keep it apart from the backup): {seal}",
            f"备份已写入 {args.out.resolve()}：{manifest['database']['engine']} 数据库、"
            f"{data_files} 个数据文件，manifest.json 记录其 SHA-256 校验和；"
            f"manifest.json 自身的 SHA-256（请与备份分开保存）：{seal}",
        )
    )
    return 0
