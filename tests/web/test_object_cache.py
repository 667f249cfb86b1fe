"""The league cache keeps the objects themselves (issue 20.1): no pickling on every read."""

from __future__ import annotations

from django.core.cache import caches

from grassroots.web.caches import ObjectCache


def test_the_league_cache_returns_the_stored_object_itself() -> None:
    cache = caches["league"]
    assert isinstance(cache, ObjectCache)
    rows = ("<tr><td>370102</td></tr>" * 3, 3)
    cache.set("object-cache-test", rows)
    assert cache.get("object-cache-test") is rows
    assert cache.get("object-cache-missing", "absent") == "absent"
    assert cache.add("object-cache-test", "other") is False
    cache.set("object-cache-count", 1)
    assert cache.incr("object-cache-count", 2) == 3
    cache.delete("object-cache-test")
    assert cache.get("object-cache-test") is None
