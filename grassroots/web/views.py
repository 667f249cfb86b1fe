"""The shell's own pages: the home page and the health check."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from grassroots.organisations.models import Level
from grassroots.organisations.selectors import TreeNode, unit_tree
from grassroots.web.workbench import workbench


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db_ok = True
    except Exception:
        db_ok = False
    return JsonResponse(
        {"status": "ok" if db_ok else "degraded", "database": db_ok}, status=200 if db_ok else 503
    )


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
