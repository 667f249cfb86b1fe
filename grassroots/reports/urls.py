from __future__ import annotations

from django.urls import URLPattern, path

from grassroots.reports import views

app_name = "reports"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("generate/", views.generate, name="generate"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job-progress"),
    path("narrative/", views.narrative, name="narrative"),
    path("policy/", views.policy, name="policy"),
    path("documents/<int:pk>/", views.download, name="download"),
    path("templates/", views.templates, name="templates"),
    path("templates/<str:product>/", views.template_edit, name="template-edit"),
]
