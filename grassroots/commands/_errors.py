"""The commands' own error: a problem the user can fix, printed as one line with exit code 2."""

from __future__ import annotations


class UsageError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""
