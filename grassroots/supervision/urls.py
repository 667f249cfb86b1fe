from __future__ import annotations

from django.urls import URLPattern, path

from grassroots.supervision import views

app_name = "supervision"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("datasets/", views.datasets, name="datasets"),
    path("datasets/<int:pk>/", views.dataset_version, name="dataset-version"),
    path("datasets/<int:pk>/delete/", views.delete_dataset, name="delete-dataset"),
    path("models/new/", views.new_model_version, name="new-model-version"),
    path("models/<int:pk>/", views.model_detail, name="model"),
    path("model-versions/<int:pk>/", views.model_version, name="model-version"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("leads/", views.leads, name="leads"),
    path("leads/export.csv", views.export_leads, name="export-leads"),
    path("leads/<int:pk>/", views.lead_detail, name="lead"),
    path("leads/<int:pk>/reveal/", views.reveal_subject, name="reveal"),
    path("measures/", views.measures, name="measures"),
]
