from __future__ import annotations


class ReportError(Exception):
    """A document cannot be made (no published run, an unknown indicator...): the message says
    why in the user's language, and nothing is stored."""
