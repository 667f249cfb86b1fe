"""The party pages, mounted at /party/ (namespace ``party``)."""

from __future__ import annotations

from django.urls import path

from grassroots.party import practice_views, views

app_name = "party"
urlpatterns = [
    path("", views.index, name="index"),
    path("produce/", views.produce, name="produce"),
    path("scheme/", views.scheme, name="scheme"),
    path("units/<str:code>/", views.unit_display, name="display"),
    path("units/<str:code>/orgs/", views.orgs, name="orgs"),
    path("units/<str:code>/plans/", views.plans, name="plans"),
    path("units/<str:code>/reports/<str:period>/", views.subject_reports, name="subjects"),
    path("tasks/<int:pk>/", views.task, name="task"),
    path("tasks/<int:pk>/evidence/", views.evidence, name="evidence"),
    path("practice/", practice_views.overview, name="practice"),
    path("contests/<int:pk>/", practice_views.contest, name="contest"),
    path("rules/<int:pk>/", practice_views.rules, name="rules"),
    path("units/<str:code>/practice/", practice_views.unit_practice, name="unit-practice"),
]
