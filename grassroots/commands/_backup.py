"""Backups: what ``grassroots backup``, ``restore`` and ``upgrade --dry-run`` share.

A backup is a folder::

    manifest.json        format, version, time, database engine, applied migrations, and the
                         SHA-256 of every other file in the folder
    database.pgdump      PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot)
    database.sqlite3     SQLite: a copy made with SQLite's online backup API
    data/...             the data directory (data versions, evidence files, ...)

Consistency while the app runs: the database is copied first, then the files. A data version's
files are renamed into place inside the transaction that records it, so every version the dump
knows already has its files when they are copied; a file written after the dump is copied
too and is simply not referenced (harmless). Files are never rewritten in place.

Django is set up by the caller; this module only reads ``settings`` and ``connection``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grassroots import __version__
from grassroots.commands import _markers
from grassroots.commands._errors import UsageError
from grassroots.commands._lang import tr

FORMAT = 1
MANIFEST = "manifest.json"
DATA = "data"
DUMP = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
# Leftovers of work in progress, never part of a backup.
SKIP_PREFIXES = (".staging-", ".write-probe-")
SKIP_SUFFIXES = (".partial",)
CHUNK = 1024 * 1024


class BackupError(UsageError):
    """The backup cannot be made, is not a backup, or does not match its manifest (exit 2)."""


@dataclass(frozen=True)
class Database:
    """The configured database, as the dump and restore tools need it."""

    vendor: str  # "postgresql" or "sqlite"
    name: str
    user: str
    password: str
    host: str
    port: str

    @classmethod
    def configured(cls, alias: str = "default") -> Database:
        from django.db import connections

        conn = connections[alias]
        s = conn.settings_dict
        if conn.vendor not in DUMP:
            raise BackupError(
                tr(
                    f"backups support PostgreSQL and SQLite, not {conn.vendor}",
                    f"备份只支持 PostgreSQL 和 SQLite，不支持 {conn.vendor}",
                )
            )
        return cls(
            vendor=conn.vendor,
            name=str(s.get("NAME") or ""),
            user=str(s.get("USER") or ""),
            password=str(s.get("PASSWORD") or ""),
            host=str(s.get("HOST") or ""),
            port=str(s.get("PORT") or ""),
        )

    def libpq(self, name: str | None = None) -> tuple[list[str], dict[str, str]]:
        """Connection arguments for pg_dump/pg_restore/psql, and their environment (the
        password goes in PGPASSWORD, never on a command line others can read)."""
        args = ["--dbname", name or self.name]
        if self.host:
            args += ["--host", self.host]
        if self.port:
            args += ["--port", self.port]
        if self.user:
            args += ["--username", self.user]
        env = {**os.environ}
        if self.password:
            env["PGPASSWORD"] = self.password
        return args, env

    def url(self, name: str) -> str:
        """A DATABASE_URL for database ``name`` on the same server (SQLite: a file path)."""
        from urllib.parse import quote

        if self.vendor == "sqlite":
            return f"sqlite:///{Path(name).resolve()}"
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        # A socket directory (/var/run/postgresql) is written percent-encoded in the host part.
        host = quote(self.host, safe="") if self.host.startswith("/") else self.host or "127.0.0.1"
        port = f":{self.port}" if self.port else ""
        return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(name, safe='')}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _data_files(data_dir: Path, skip: set[Path]) -> Iterator[Path]:
    """The data directory's regular files worth keeping, in a stable order."""
    for root, dirs, files in os.walk(data_dir):
        here = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(SKIP_PREFIXES) and (here / d).resolve() not in skip
        )
        for name in sorted(files):
            path = here / name
            if (
                name.startswith(SKIP_PREFIXES)
                or name.endswith(SKIP_SUFFIXES)
                or (here == data_dir and name in _markers.MARKERS)
                or path.resolve() in skip
                or path.is_symlink()
                or not path.is_file()
            ):
                continue
            yield path


def _copy(source: Path, target: Path) -> str:
    """Copy one file, returning the SHA-256 of the bytes written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
    shutil.copystat(source, target)
    return digest.hexdigest()


def _applied_migrations() -> dict[str, list[str]]:
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _sqlite_files(db: Database) -> set[Path]:
    base = Path(db.name).resolve()
    return {base, *(base.with_name(base.name + s) for s in ("-wal", "-shm", "-journal"))}


def make_backup(out: Path, *, mark: bool = True) -> dict[str, Any]:
    """Write a backup of the running installation into ``out`` (new or empty); returns the
    manifest. ``mark``: record it as the installation's latest backup (check --deploy)."""
    from django.conf import settings

    data_dir = Path(settings.DATA_DIR).resolve()
    out = out.resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(
            tr(
                f"{out} exists and is not an empty folder: name a new folder for the backup",
                f"{out} 已存在且不是空文件夹：请为备份指定一个新文件夹",
            )
        )
    if out == data_dir or data_dir in out.parents:
        raise BackupError(
            tr(
                f"{out} is inside the data directory {data_dir}: keep backups elsewhere",
                f"{out} 位于数据目录 {data_dir} 之内：请把备份放在别处",
            )
        )
    out.mkdir(parents=True, exist_ok=True)
    db = Database.configured()
    files: dict[str, str] = {}

    # 1. The database (first: see the module's docstring).
    dump = out / DUMP[db.vendor]
    if db.vendor == "postgresql":
        args, env = db.libpq()
        _tool(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump)]
            + args,
            env,
        )
    else:
        source = sqlite3.connect(f"file:{Path(db.name).resolve()}?mode=ro", uri=True)
        target = sqlite3.connect(dump)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    files[dump.name] = sha256_of(dump)

    # 2. The data directory's files (never the backup itself, if it is inside).
    skip = {out} | (_sqlite_files(db) if db.vendor == "sqlite" else set())
    for path in _data_files(data_dir, skip):
        relative = Path(DATA) / path.relative_to(data_dir)
        try:
            files[relative.as_posix()] = _copy(path, out / relative)
        except FileNotFoundError:
            continue  # removed while copying (a staging leftover): not referenced

    manifest = {
        "format": FORMAT,
        "grassroots": __version__,
        "created": _markers.now().isoformat(),
        "database": {"engine": db.vendor, "file": dump.name},
        "migrations": _applied_migrations(),
        "files": files,
    }
    # The manifest last: a folder without one is an unfinished backup.
    partial = out / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    partial.replace(out / MANIFEST)
    if mark:
        _markers.write(data_dir, _markers.LAST_BACKUP, {"out": str(out), "files": len(files)})
    return manifest


def _tool(argv: list[str], env: dict[str, str]) -> None:
    """Run a PostgreSQL client tool; its error becomes one clear line."""
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(
            tr(
                f"{argv[0]} is not installed: install the PostgreSQL client "
                "(Debian: apt-get install postgresql-client)",
                f"未安装 {argv[0]}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）",
            )
        ) from None
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[0]
        raise BackupError(tr(f"{argv[0]} failed: {first}", f"{argv[0]} 失败：{first}"))


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupError(tr(f"{folder} is not a folder", f"{folder} 不是文件夹"))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(
            tr(
                f"{folder} has no {MANIFEST}: not a backup, or an unfinished one",
                f"{folder} 中没有 {MANIFEST}：不是备份，或备份未完成",
            )
        ) from None
    except (OSError, ValueError):
        raise BackupError(
            tr(f"{path} cannot be read as a manifest", f"{path} 不是可读的备份清单")
        ) from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("files"), dict)
        or manifest.get("database", {}).get("engine") not in DUMP
    ):
        raise BackupError(
            tr(
                f"{path} is not a Grassroots backup manifest of format {FORMAT}",
                f"{path} 不是第 {FORMAT} 版格式的 Grassroots 备份清单",
            )
        )
    return manifest


def verify_backup(folder: Path) -> dict[str, Any]:
    """The manifest, once every file matches its SHA-256 and no file was added or removed;
    else BackupError naming what differs."""
    folder = folder.resolve()
    manifest = read_manifest(folder)
    listed: dict[str, str] = manifest["files"]
    problems: list[str] = []
    for name, expected in sorted(listed.items()):
        path = folder / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            problems.append(
                tr(f"{name}: not a path inside the backup", f"{name}：不是备份内的路径")
            )
        elif not path.is_file():
            problems.append(tr(f"{name} is missing", f"缺少 {name}"))
        elif sha256_of(path) != expected:
            problems.append(tr(f"{name} has changed", f"{name} 已被改动"))
    present = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST
    }
    problems += [
        tr(f"{name} is not in the manifest", f"{name} 不在清单中")
        for name in sorted(present - set(listed))
    ]
    if manifest["database"].get("file") not in listed:
        problems.append(tr("the manifest lists no database dump", "清单中没有数据库转储"))
    if problems:
        shown = "; ".join(problems[:5]) + (
            f"; … (+{len(problems) - 5})" if len(problems) > 5 else ""
        )
        raise BackupError(
            tr(
                f"the backup {folder} does not match its manifest ({shown}): "
                "it was changed or damaged, nothing was restored",
                f"备份 {folder} 与其清单不符（{shown}）：备份已被改动或损坏，未恢复任何内容",
            )
        )
    return manifest


def restore_backup(folder: Path) -> dict[str, Any]:
    """Recreate the installation from a verified backup into the configured, empty database
    and data directory. All or nothing: a failure leaves both empty again."""
    from django.conf import settings

    manifest = verify_backup(folder)
    folder = folder.resolve()
    data_dir = Path(settings.DATA_DIR).resolve()
    db = Database.configured()
    engine = manifest["database"]["engine"]
    if engine != db.vendor:
        raise BackupError(
            tr(
                f"the backup holds a {engine} database but DATABASE_URL names a {db.vendor} one",
                f"备份中是 {engine} 数据库，而 DATABASE_URL 指向 {db.vendor} 数据库",
            )
        )
    _require_empty_data_dir(data_dir)
    _require_empty_database(db)

    written: list[Path] = []
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        prefix = DATA + "/"
        for name in sorted(manifest["files"]):
            if name.startswith(prefix):
                target = data_dir / name[len(prefix) :]
                _copy(folder / name, target)
                written.append(target)
        dump = folder / manifest["database"]["file"]
        if db.vendor == "postgresql":
            args, env = db.libpq()
            _tool(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    *args,
                    str(dump),
                ],
                env,
            )
        else:
            target = Path(db.name).resolve()
            target.parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
            copy = sqlite3.connect(target)
            try:
                with copy:
                    source.backup(copy)
            finally:
                copy.close()
                source.close()
            written.append(target)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return manifest


def _require_empty_data_dir(data_dir: Path) -> None:
    if data_dir.exists() and (
        not data_dir.is_dir()
        or any(not p.name.startswith(".write-probe-") for p in data_dir.iterdir())
    ):
        raise BackupError(
            tr(
                f"the data directory {data_dir} is not empty: restore into an empty one "
                "(set GRASSROOTS_DATA_DIR)",
                f"数据目录 {data_dir} 不是空的：请恢复到空目录（设置 GRASSROOTS_DATA_DIR）",
            )
        )


def _require_empty_database(db: Database) -> None:
    if db.vendor == "sqlite":
        path = Path(db.name)
        if path.exists() and path.stat().st_size > 0:
            raise BackupError(
                tr(
                    f"the database file {path} already exists: restore into a new one",
                    f"数据库文件 {path} 已存在：请恢复到新的数据库",
                )
            )
        return
    from django.db import connection
    from django.db.utils import Error

    try:
        tables = connection.introspection.table_names()
    except Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BackupError(
            tr(
                f"cannot connect to the database ({first}): create an empty database and "
                "point DATABASE_URL at it",
                f"无法连接数据库（{first}）：请新建一个空数据库并让 DATABASE_URL 指向它",
            )
        ) from None
    finally:
        connection.close()  # pg_restore must not wait on this session
    if tables:
        raise BackupError(
            tr(
                f"the database {db.name} is not empty ({len(tables)} tables): restore into a "
                "new, empty database",
                f"数据库 {db.name} 不是空的（已有 {len(tables)} 张表）：请恢复到新建的空数据库",
            )
        )
