"""``grassroots check --deploy``: what this installation lacks to run in production.

Each check is a flag; a flag's function returns findings (ok, or what is lacking and how to
fix it). Exit 0 when nothing is lacking, 1 when something is, 2 when no check was named.

--deploy   Django's deployment checks plus the project's own: debug off, a real secret key,
           HTTPS, the public host names, PostgreSQL, every migration applied, the data
           directory (exists, writable, owned by this user, closed to others), a worker that
           polled for queued runs lately (its heartbeat in the data directory, written by
           `grassroots runs work`), and a recent backup (`grassroots backup`).

A new check (e.g. ``--integrity``) adds its flag in ``register`` and its function to ``CHECKS``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grassroots.commands import _markers
from grassroots.commands._errors import UsageError
from grassroots.commands._lang import tr

# The development key settings.py falls back to under debug or tests.
DEVELOPMENT_KEY_MARK = "insecure"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# How stale the heartbeat may be beyond the worker's own poll interval.
HEARTBEAT_SLACK_SECONDS = 120
DEFAULT_BACKUP_MAX_AGE_HOURS = 26  # a daily backup, with two hours' slack


@dataclass(frozen=True)
class Finding:
    ok: bool
    text: str


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help="report what the installation lacks (--deploy) or whether its data is whole "
        "(--integrity)",
    )
    p.add_argument(
        "--deploy",
        action="store_true",
        help="what a production configuration lacks (settings, HTTPS, data directory, "
        "worker, backups)",
    )
    p.add_argument(
        "--integrity",
        action="store_true",
        help="re-check every data version's files against their recorded SHA-256",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    chosen = [name for name in CHECKS if getattr(args, name, False)]
    if getattr(args, "integrity", False):
        integrity = _integrity()
        if not chosen:
            return integrity
    if not chosen:
        flags = ", ".join(f"--{name}" for name in (*CHECKS, "integrity"))
        raise UsageError(tr(f"name what to check: {flags}", f"请指定要检查的内容：{flags}"))
    lacking = 0
    for name in chosen:
        for finding in CHECKS[name]():
            mark = tr("ok     ", "正常   ") if finding.ok else tr("LACKING", "缺少   ")
            print(f"{mark} {finding.text}")
            lacking += not finding.ok
    if lacking:
        print(tr(f"{lacking} thing(s) lacking", f"共 {lacking} 项不满足"))
        return 1
    print(tr("nothing lacking", "全部满足"))
    return 0


# ---------------------------------------------------------------------------- --integrity


def _integrity() -> int:
    """Every data version's stored files hashed again against the SHA-256 recorded at upload;
    stale temporary files a killed server left behind removed. Exit 2 naming each replaced,
    damaged or missing file; 0 when every version matches."""
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.files import remove_stale_temporaries
    from grassroots.intake.integrity import integrity_problems
    from grassroots.intake.models import DataVersion

    for path in remove_stale_temporaries():
        print(
            tr(f"removed a stale temporary file: {path.name}", f"已删除遗留的临时文件：{path.name}")
        )
    problems = integrity_problems()
    if problems:
        raise UsageError("\n".join(["integrity check failed:", *problems]))
    count = DataVersion.objects.count()
    print(f"integrity: {count} data version(s) match their recorded SHA-256")
    return 0


# ------------------------------------------------------------------------------- --deploy


def deploy_findings() -> list[Finding]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.web.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        return [Finding(False, tr(f"the settings do not load: {exc}", f"无法加载配置：{exc}"))]
    from django.conf import settings

    found = [_debug(settings.DEBUG), _secret_key(str(settings.SECRET_KEY)), _https(settings.HTTPS)]
    found.append(_hosts(list(settings.ALLOWED_HOSTS)))
    found += _django_deploy_checks()
    database = _database()
    found += database
    data_dir = Path(settings.DATA_DIR)
    found += _data_dir(data_dir)
    found.append(_worker(data_dir, all(f.ok for f in database)))
    found.append(_backup(data_dir))
    if settings.STATIC_ROOT:
        found.append(_static_root(Path(settings.STATIC_ROOT)))
    return found


def _debug(debug: bool) -> Finding:
    if debug:
        return Finding(
            False,
            tr(
                "debug is on: unset GRASSROOTS_DEBUG (it shows internals to every visitor)",
                "调试模式已开启：请取消 GRASSROOTS_DEBUG（它会向所有访问者暴露内部信息）",
            ),
        )
    return Finding(True, tr("debug is off", "调试模式已关闭"))


def _secret_key(key: str) -> Finding:
    if DEVELOPMENT_KEY_MARK in key or len(key) < 50 or len(set(key)) < 5:
        return Finding(
            False,
            tr(
                "GRASSROOTS_SECRET_KEY is not a production key: set 50 or more random "
                "characters (python3 -c 'import secrets; print(secrets.token_urlsafe(50))')",
                "GRASSROOTS_SECRET_KEY 不是生产用密钥：请设置 50 个以上的随机字符"
                "（python3 -c 'import secrets; print(secrets.token_urlsafe(50))'）",
            ),
        )
    return Finding(True, tr("the secret key is long and random", "密钥足够长且随机"))


def _https(https: bool) -> Finding:
    if not https:
        return Finding(
            False,
            tr(
                "HTTPS is off: serve through nginx with TLS and set GRASSROOTS_HTTPS=true "
                "(secure cookies, HSTS, redirect to HTTPS)",
                "未启用 HTTPS：请经由配置了 TLS 的 nginx 提供服务，并设置 GRASSROOTS_HTTPS=true"
                "（安全 Cookie、HSTS、跳转到 HTTPS）",
            ),
        )
    return Finding(True, tr("HTTPS is on", "已启用 HTTPS"))


def _hosts(hosts: list[str]) -> Finding:
    public = [h for h in hosts if h not in LOOPBACK]
    if not public:
        return Finding(
            False,
            tr(
                "GRASSROOTS_ALLOWED_HOSTS names only this machine: add the name users type "
                "(e.g. grassroots.jcy.example.gov.cn)",
                "GRASSROOTS_ALLOWED_HOSTS 只包含本机：请加入用户访问所用的域名"
                "（如 grassroots.jcy.example.gov.cn）",
            ),
        )
    return Finding(True, tr(f"served as {', '.join(public)}", f"对外域名：{'、'.join(public)}"))


def _django_deploy_checks() -> list[Finding]:
    from django.core.checks import WARNING, run_checks

    messages = [
        m
        for m in run_checks(include_deployment_checks=True)
        if m.level >= WARNING and not m.is_silenced()
    ]
    if not messages:
        return [Finding(True, tr("Django's deployment checks pass", "Django 部署检查全部通过"))]
    label = tr("Django's deployment check", "Django 部署检查")
    return [Finding(False, f"{label} {m.id}: {m.msg}") for m in messages]


def _database() -> list[Finding]:
    from django.db import connection

    from grassroots.commands._django import _check_database, _check_migrations

    try:
        _check_database()
    except UsageError as exc:
        return [Finding(False, str(exc))]
    found = [Finding(True, tr("the database answers", "数据库可以连接"))]
    if connection.vendor != "postgresql":
        found.append(
            Finding(
                False,
                tr(
                    f"the database is {connection.vendor}: production uses PostgreSQL "
                    "(set DATABASE_URL=postgres://...)",
                    f"当前数据库为 {connection.vendor}：生产环境请使用 PostgreSQL"
                    "（设置 DATABASE_URL=postgres://...）",
                ),
            )
        )
    try:
        _check_migrations()
    except UsageError:
        found.append(
            Finding(
                False,
                tr(
                    "the database lacks migrations: run `grassroots upgrade --dry-run`, then "
                    "`grassroots upgrade`",
                    "数据库缺少迁移：请先运行 `grassroots upgrade --dry-run`，再运行 "
                    "`grassroots upgrade`",
                ),
            )
        )
    else:
        found.append(Finding(True, tr("every migration is applied", "所有迁移均已应用")))
    return found


def _data_dir(data_dir: Path) -> list[Finding]:
    from grassroots.commands._django import _check_data_dir

    try:
        _check_data_dir(data_dir)
    except UsageError as exc:
        return [Finding(False, str(exc))]
    mode = data_dir.stat().st_mode & 0o777
    found = []
    if data_dir.stat().st_uid != os.geteuid():
        found.append(
            Finding(
                False,
                tr(
                    f"the data directory {data_dir} belongs to another user: chown it to the "
                    "user the service runs as",
                    f"数据目录 {data_dir} 属于其他用户：请将其属主改为运行服务的用户",
                ),
            )
        )
    if mode & 0o007:
        found.append(
            Finding(
                False,
                tr(
                    f"the data directory {data_dir} is open to other users (mode {mode:o}): "
                    f"chmod 700 {data_dir}",
                    f"数据目录 {data_dir} 对其他用户开放（权限 {mode:o}）：chmod 700 {data_dir}",
                ),
            )
        )
    if not found:
        found.append(
            Finding(
                True,
                tr(
                    f"the data directory {data_dir} is writable and closed to others",
                    f"数据目录 {data_dir} 可写且不对其他用户开放",
                ),
            )
        )
    return found


def _ago(at: dt.datetime) -> str:
    seconds = max(0, int((_markers.now() - at).total_seconds()))
    if seconds < 120:
        return tr(f"{seconds} s ago", f"{seconds} 秒前")
    if seconds < 7200:
        return tr(f"{seconds // 60} min ago", f"{seconds // 60} 分钟前")
    return tr(f"{seconds // 3600} h ago", f"{seconds // 3600} 小时前")


def _worker(data_dir: Path, database_ready: bool) -> Finding:
    beat = _markers.read(data_dir, _markers.HEARTBEAT)
    if beat is not None:
        at, content = beat
        poll = float(content.get("poll") or 0)
        if (_markers.now() - at).total_seconds() <= poll + HEARTBEAT_SLACK_SECONDS:
            return Finding(
                True,
                tr(
                    f"the run worker polled {_ago(at)} (pid {content.get('pid')} on "
                    f"{content.get('host')})",
                    f"评价运行的 worker {_ago(at)}查询过队列（{content.get('host')} 上的进程 "
                    f"{content.get('pid')}）",
                ),
            )
    if database_ready:
        busy = _running_run()
        if busy:
            return Finding(True, busy)
    last = _ago(beat[0]) if beat else tr("never", "从未")
    return Finding(
        False,
        tr(
            f"no run worker is polling (last heartbeat: {last}): start "
            "`grassroots runs work --poll 5` (deploy/grassroots-worker.service)",
            f"没有正在轮询的评价 worker（上次心跳：{last}）：请启动 "
            "`grassroots runs work --poll 5`（deploy/grassroots-worker.service）",
        ),
    )


def _running_run() -> str:
    """A run the worker is computing now (it polls again only when the run is done)."""
    from grassroots.evaluation.models import EvaluationRun, RunStatus

    run = EvaluationRun.objects.filter(status=RunStatus.RUNNING).order_by("-started_at").first()
    if run is None or run.started_at is None:
        return ""
    return tr(
        f"the run worker is computing run {run.pk} (started {_ago(run.started_at)})",
        f"评价 worker 正在计算运行 {run.pk}（{_ago(run.started_at)}开始）",
    )


def _backup(data_dir: Path) -> Finding:
    limit = float(os.environ.get("GRASSROOTS_BACKUP_MAX_AGE_HOURS") or DEFAULT_BACKUP_MAX_AGE_HOURS)
    last = _markers.read(data_dir, _markers.LAST_BACKUP)
    advice = tr(
        "run `grassroots backup --out DIR` daily (deploy/grassroots-backup.timer)",
        "请每天运行 `grassroots backup --out DIR`（deploy/grassroots-backup.timer）",
    )
    if last is None:
        return Finding(False, tr(f"no backup was ever made: {advice}", f"从未备份：{advice}"))
    at, content = last
    out = Path(str(content.get("out", "")))
    if (_markers.now() - at).total_seconds() > limit * 3600:
        return Finding(
            False,
            tr(
                f"the last backup ({out}) is {_ago(at)}, older than {limit:g} h: {advice}",
                f"最近一次备份（{out}）在{_ago(at)}，超过 {limit:g} 小时：{advice}",
            ),
        )
    if not (out / "manifest.json").is_file():
        return Finding(
            False,
            tr(
                f"the last backup {out} is gone (no manifest.json there): {advice}",
                f"最近一次备份 {out} 已不存在（没有 manifest.json）：{advice}",
            ),
        )
    return Finding(True, tr(f"last backup {_ago(at)}: {out}", f"最近一次备份在{_ago(at)}：{out}"))


def _static_root(root: Path) -> Finding:
    if not root.is_dir() or not any(root.iterdir()):
        return Finding(
            False,
            tr(
                f"GRASSROOTS_STATIC_ROOT {root} is empty: run `grassroots manage collectstatic "
                "--noinput` (nginx serves the files from there)",
                f"GRASSROOTS_STATIC_ROOT {root} 为空：请运行 `grassroots manage collectstatic "
                "--noinput`（nginx 从该目录提供静态文件）",
            ),
        )
    return Finding(True, tr(f"static files collected in {root}", f"静态文件已收集到 {root}"))


CHECKS: dict[str, Callable[[], list[Finding]]] = {"deploy": deploy_findings}
