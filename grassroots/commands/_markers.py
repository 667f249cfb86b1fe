"""Small files in the data directory that say what the operations commands last did.

``worker-heartbeat.json``  written by ``grassroots runs work`` each time it looks for a queued run
``last-backup.json``       written by ``grassroots backup`` when a backup is complete
``upgrade-checked.json``   written by ``grassroots upgrade --dry-run`` when the copy migrated

``grassroots check --deploy`` reads the first two; ``grassroots upgrade`` reads the third. A
backup never copies them (they describe this installation, not its data).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
from pathlib import Path
from typing import Any

HEARTBEAT = "worker-heartbeat.json"
LAST_BACKUP = "last-backup.json"
UPGRADE_CHECKED = "upgrade-checked.json"
MARKERS = frozenset({HEARTBEAT, LAST_BACKUP, UPGRADE_CHECKED})


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def write(data_dir: Path, name: str, content: dict[str, Any]) -> None:
    """Replace the marker atomically (a reader never sees half a file)."""
    target = data_dir / name
    partial = data_dir / f".{name}.{os.getpid()}.partial"
    partial.write_text(json.dumps({"at": now().isoformat(), **content}), encoding="utf-8")
    partial.replace(target)


def read(data_dir: Path, name: str) -> tuple[dt.datetime, dict[str, Any]] | None:
    """The marker's time and content, or None when there is none (or it is unreadable)."""
    try:
        content = json.loads((data_dir / name).read_text(encoding="utf-8"))
        at = dt.datetime.fromisoformat(content["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return at, content


def beat(data_dir: Path, poll: float) -> None:
    """The worker is alive and polling every ``poll`` seconds (best effort: never fatal)."""
    with contextlib.suppress(OSError):
        write(data_dir, HEARTBEAT, {"pid": os.getpid(), "host": socket.gethostname(), "poll": poll})
