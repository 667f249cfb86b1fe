"""The evaluation app's refusal: a run or a scheme cannot be used as asked."""

from __future__ import annotations


class RunError(Exception):
    """A run cannot be started as asked (bad scheme, period or source); message is for people."""


class NotAllowed(Exception):
    """The actor's role may not do this to a run they can see (an answer of 403)."""


class OutOfScope(Exception):
    """The run covers units outside the actor's scope (an answer of 404, as for a missing run)."""
