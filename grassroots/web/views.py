"""The shell's own pages: the home page and the health check."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from grassroots.organisations.models import Level
from grassroots.organisations.selectors import TreeNode, unit_tree
from grassroots.web.uploads import UploadTooLarge
from grassroots.web.workbench import workbench


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and monitoring: the database reachable and its schema
    migrated, the data directory readable and writable. Any of them not: 503 (issue 19.8).

    The answer names which check failed, never a path or an error text."""
    checks = {
        "database": _database_ok(),
        "migrated": False,
        "data_dir": _data_dir_ok(Path(settings.DATA_DIR)),
    }
    checks["migrated"] = checks["database"] and _migrated()
    ok = all(checks.values())
    return JsonResponse({"status": "ok" if ok else "degraded", **checks}, status=200 if ok else 503)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return False
    return True


def _migrated() -> bool:
    """Every migration of the installed apps is applied (an empty database is not ready)."""
    try:
        executor = MigrationExecutor(connection)
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        return False


def _data_dir_ok(data_dir: Path) -> bool:
    """The data directory exists, is readable, and a file can be written to it and removed."""
    try:
        if not data_dir.is_dir():
            return False
        next(iter(data_dir.iterdir()), None)
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".health-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError:
        return False
    return True


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    tree = unit_tree(request.user)
    counts = Counter(node.level for node in _walk(tree))
    levels = [(level.label, counts[level.value]) for level in Level if counts[level.value]]
    bench = workbench(request.user, today=timezone.localdate())
    context = {"nav": "home", "tree": tree, "levels": levels, "bench": bench}
    return render(request, "web/home.html", context)


def _walk(nodes: Iterable[TreeNode]) -> Iterable[TreeNode]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request that cannot be read (a malformed multipart body, an upload over the limit):
    400 or 413 with the reason in the user's language, JSON for the API (issue 19.7)."""
    if isinstance(exception, UploadTooLarge):
        status = 413
        message = _("The upload is larger than the limit of %(mb)s MB: nothing was stored.") % {
            "mb": f"{exception.limit / (1024 * 1024):,.0f}"
        }
    elif isinstance(exception, MultiPartParserError):
        status = 400
        message = _(
            "The upload could not be read: the form is not well-formed multipart data (no "
            "boundary, or cut off). Send the file again from the page or as multipart/form-data."
        )
    else:
        status = 400
        message = _("The request could not be read: check what was sent and try again.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "400.html", {"message": message}, status=status)
