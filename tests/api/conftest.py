"""A tiny two-city province. The API is reached through grassroots.web.urls, as in production."""

from __future__ import annotations
