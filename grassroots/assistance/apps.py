from __future__ import annotations

from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "grassroots.assistance"
    label = "assistance"
