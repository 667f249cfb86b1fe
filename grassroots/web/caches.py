"""A per-process cache that keeps the objects themselves (Django's LocMemCache pickles them).

The "league" cache (settings.CACHES) holds what every league-table request reads: the rows'
HTML (~0.8 MB of text for the nation), the cities and provinces of a scope, the run a table is
compared with. LocMemCache pickles a value on `set` and unpickles it on every `get`: for the
national table ~2 ms of a ~26 ms request (benchmarks/web.py). Here `get` returns the stored
object, so a value must never be changed after it is stored: the league cache stores the rows'
HTML (a string and a count), lists of units as named tuples and finished runs, and its callers
only read them (a sync worker serves one request at a time). Keys,
expiry, culling and the lock are LocMemCache's.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


class ObjectCache(LocMemCache):
    # LocMemCache's own state and helpers, which django-stubs does not declare.
    _cache: OrderedDict[str, Any]
    _lock: Lock
    _has_expired: Callable[[str], bool]
    _set: Callable[..., None]
    _delete: Callable[[str], bool]

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._set(key, value, timeout)
                return True
            return False

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            value = self._cache[key]
            self._cache.move_to_end(key, last=False)
        return value

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            self._set(key, value, timeout)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                raise ValueError(f"Key '{key}' not found")
            value = self._cache[key] + delta
            self._cache[key] = value
            self._cache.move_to_end(key, last=False)
        return value
