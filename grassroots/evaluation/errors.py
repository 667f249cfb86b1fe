"""The evaluation app's refusal: a run or a scheme cannot be used as asked."""

from __future__ import annotations


class RunError(Exception):
    """A run cannot be started as asked (bad scheme, period or source); message is for people."""
