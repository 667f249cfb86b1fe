"""The audit log's hash chain: the canonical content of an entry and its SHA-256.

Pure Python (no Django), so the migration that chains old entries and the model use one rule.
The content is JSON with sorted keys; times are UTC ISO 8601 with microseconds; numbers are
written as floats, because a JSON column may hand back 1e20 as an integer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any


def _normal(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(float(value))
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dict):
        return {str(k): _normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    return str(value)


def canonical(fields: dict[str, Any]) -> str:
    return json.dumps(_normal(fields), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(fields: dict[str, Any], previous: str) -> str:
    """SHA-256 over the previous entry's hash and this entry's canonical content."""
    digest = hashlib.sha256()
    digest.update(previous.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical(fields).encode("utf-8"))
    return digest.hexdigest()
