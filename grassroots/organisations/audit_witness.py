"""The audit chain's head, witnessed outside the database (issue 19.2: a removed tail).

The hash chain reveals an entry edited, inserted or removed before the newest one; removing the
newest entries leaves a shorter chain that still verifies. So each committed audit write also
records the chain's head — the newest entry's id and hash, and the hash of the chain's first
entry, which names the chain — in ``DATA_DIR/audit/head.json`` (0600 in a 0700 folder), outside
the database. ``grassroots audit verify`` checks the database still holds the witnessed head with
that hash: entries removed from the end (or the whole log) are then reported. An operator who
keeps the data directory on another host or copies the file off daily widens the protection;
someone who can change both the database and the data directory can still hide a deletion, which
docs/security.md says.

The head only moves forward: two processes committing at once may each write theirs, and the
file keeps the higher id (a lost race witnesses an older head, never a wrong one).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Head:
    id: int
    hash: str
    genesis: str  # the hash of the chain's first entry


def head_path() -> Path:
    return Path(settings.DATA_DIR) / "audit" / "head.json"


def read_head() -> Head | None:
    try:
        data: dict[str, Any] = json.loads(head_path().read_text(encoding="utf-8"))
        return Head(int(data["id"]), str(data["hash"]), str(data["genesis"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def witness(head: Head) -> None:
    """Record ``head`` unless the file already witnesses a later entry of the same chain.
    Never fatal: a full disk must not undo the business change the entry records."""
    try:
        folder = head_path().parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        current = read_head()
        if current is not None and current.genesis == head.genesis and current.id >= head.id:
            return
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".head-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"id": head.id, "hash": head.hash, "genesis": head.genesis}, out)
        os.chmod(tmp, 0o600)
        os.replace(tmp, head_path())
    except OSError:
        return


def tail_problem(first_hash: str | None, entries: dict[int, str], newest_id: int | None) -> str:
    """What the witnessed head says about the chain the database holds ("" when it fits).

    ``first_hash``: the hash of the database's first entry (None when it has none);
    ``entries``: id -> hash for the witnessed id, when the database still has it;
    ``newest_id``: the database's newest entry."""
    head = read_head()
    if head is None:
        return ""
    if first_hash is None:
        return f"the log is empty, but entry {head.id} was witnessed: every entry was removed"
    if first_hash != head.genesis:
        return ""  # another chain (a restored or re-created database): nothing to compare
    if head.id not in entries:
        return (
            f"entry {head.id} (hash {head.hash[:12]}…) was witnessed outside the database but "
            f"is gone; the newest entry now is {newest_id}: entries were removed from the end"
        )
    if entries[head.id] != head.hash:
        return f"entry {head.id} no longer has the hash witnessed outside the database"
    return ""
