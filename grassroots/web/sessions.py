"""Django's database sessions, read with SQL built once per process (issue 20.1).

Every request of a signed-in user reads its session row first. Django's store builds that
query anew each time (~0.7 ms of CPU, more than PostgreSQL spends on it); this store reads the
same row with the same conditions (the key, not expired) through `Compiled`. Writing, creating,
deleting and expiring sessions are Django's own (settings.SESSION_ENGINE names this module).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from grassroots.compiled import Compiled

# Markers no real argument equals: a key of characters a session key never has, a time long past.
_KEY, _NOW = "\x00session-key-marker\x00", datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=UTC)

_LIVE: Compiled[Session] = Compiled(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now), _KEY, _NOW
)


class SessionStore(DatabaseStore):
    def _get_session_from_db(self) -> Any:
        found = _LIVE.first(self.session_key, timezone.now()) if self.session_key else None
        if found is None:
            self._session_key = None
        return found
