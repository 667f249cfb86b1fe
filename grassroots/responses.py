"""Pages every app answers with when a request itself is wrong (below the apps; imports none).

A bad request from a page (a period that is not one, a catalogue that does not exist) gets the
styled page in the reader's language with what was wrong and a way back, never a bare
``bad period`` text.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def bad_input(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    """The 400 page saying ``message`` (already in the reader's language)."""
    return render(request, "400.html", {"message": message}, status=status)
