"""Files the server writes: private to it and under the data directory only (issue 19.6).

Uploads being checked, staging copies and exports being built live in ``DATA_DIR/tmp``
(0700), never in the shared system /tmp or the server's working directory; files the server
keeps are 0600 in 0700 folders (``private``).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from django.conf import settings


def private_tmp() -> Path:
    """The server's own temporary folder, ``DATA_DIR/tmp`` (created 0700)."""
    folder = Path(settings.DATA_DIR) / "tmp"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def disk_name(name: str, *, limit: int = 120) -> str:
    """A client's file name made safe to create on disk: its base name only, at most
    ``limit`` bytes (a 255-byte name, or one with a long extension, still fits), suffix kept."""
    base = Path(name.replace("\\", "/")).name.replace("\0", "") or "upload"
    if len(base.encode()) <= limit:
        return base
    stem, suffix = os.path.splitext(base)
    suffix = suffix if len(suffix.encode()) <= 16 else ""
    room = limit - len(suffix.encode())
    return stem.encode()[:room].decode(errors="ignore") + suffix


def private(path: Path) -> Path:
    """Make a stored file 0600, or a folder and everything in it 0700/0600; the path."""
    if path.is_dir():
        for root, dirs, files in os.walk(path):
            os.chmod(root, 0o700)
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o700)
            for name in files:
                os.chmod(os.path.join(root, name), 0o600)
    elif path.exists():
        path.chmod(0o600)
    return path


# A temporary file or staging folder older than this was left by a killed process.
STALE_SECONDS = 6 * 3600


def remove_stale_temporaries(*, older_than: float = STALE_SECONDS) -> list[Path]:
    """Remove temporary uploads and staging folders left by a killed process; what went."""
    cutoff = time.time() - older_than
    roots = [private_tmp(), Path(settings.DATA_DIR) / "versions"]
    removed = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in root.iterdir():
            temporary = root.name == "tmp" or path.name.startswith(".staging")
            if not temporary or path.lstat().st_mtime > cutoff:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed
