"""Files waiting between a figures dry run and its confirmation (or a marked workbook).

They live in the data directory's private area, ``DATA_DIR/private/pending/`` (mode 0700),
named by a random token that only the uploading session knows. They are not data: nothing
reads them but the confirmation, they expire after ``EXPIRY`` and are removed on each new
upload and by ``grassroots intake cleanup``.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from grassroots.organisations.audit import Clock

EXPIRY = dt.timedelta(hours=1)


def pending_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "private" / "pending"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def keep(data: bytes) -> str:
    """Store ``data`` under a new token (after removing expired files); return the token."""
    cleanup()
    token = secrets.token_urlsafe(16)
    path = pending_dir() / token
    # Created 0600 before a byte is written: a unit's figures are never readable by others.
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(data)
    return token


def _age(path: Path, now: dt.datetime) -> dt.timedelta:
    return now - dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)


def kept(token: str, *, clock: Clock = timezone.now) -> Path | None:
    """The file of ``token`` if it exists and has not expired (an expired one is removed)."""
    if not token or "/" in token or token.startswith("."):
        return None
    path = pending_dir() / token
    if not path.is_file():
        return None
    if _age(path, clock()) > EXPIRY:
        path.unlink(missing_ok=True)
        return None
    return path


def discard(token: str) -> None:
    for leftover in pending_dir().glob(token + "*"):
        leftover.unlink(missing_ok=True)


def cleanup(*, max_age: dt.timedelta = EXPIRY, clock: Clock = timezone.now) -> int:
    """Remove pending files older than ``max_age``; return how many were removed."""
    now, removed = clock(), 0
    for path in pending_dir().iterdir():
        if path.is_file() and _age(path, now) > max_age:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
