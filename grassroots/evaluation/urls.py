from __future__ import annotations

from django.urls import URLPattern, path

from grassroots.evaluation import trace_views, views, warning_views

app_name = "evaluation"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("schemes/<str:code>/", views.scheme_edit, name="scheme-edit"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/publish/", views.publish, name="publish"),
    path("runs/<int:pk>/retry/", views.retry, name="retry"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run-progress"),
    path("runs/<int:pk>/heatmap/", views.heatmap_view, name="heatmap"),
    path("runs/<int:pk>/warnings/", warning_views.warnings_view, name="warnings"),
    path("warnings/<int:pk>/state/", warning_views.warning_state, name="warning-state"),
    path("runs/<int:pk>/export.xlsx", views.export_xlsx, name="export-xlsx"),
    path("runs/<int:pk>/units/<str:code>/", views.unit_profile, name="unit-profile"),
    path(
        "runs/<int:pk>/units/<str:code>/records/<str:element>/",
        trace_views.element_records_view,
        name="element-records",
    ),
]
