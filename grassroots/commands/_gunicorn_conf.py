"""gunicorn settings for `grassroots serve` (and benchmarks/web.py): loaded with
``--config python:grassroots.commands._gunicorn_conf``; the command line sets the rest.

Once a worker has loaded the app, its objects (Django, the app's modules, templates: ~200,000
tracked by the garbage collector) live as long as the worker. Each full collection walked all
of them: ~60 ms, every few dozen requests of the league table, a pause on whichever request
was running and on every request queued behind it. `gc.freeze()` moves them to the permanent
generation, so collections only walk what requests create. Nothing is leaked by this: objects
that become garbage later are still freed by reference counting, which does almost all the
freeing in CPython; only reference cycles among the frozen objects would be kept.
"""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    """gunicorn's hook, called in each worker once the WSGI app is loaded."""
    gc.collect()
    gc.freeze()
