"""The organisations pages, mounted at the site's root (their names are un-namespaced)."""

from __future__ import annotations

from django.urls import path

from grassroots.organisations import views

urlpatterns = [
    path("units/", views.unit_list, name="unit-list"),
    path("units/<str:code>/", views.unit_detail, name="unit-detail"),
    path("audit/", views.audit_log, name="audit-log"),
]
