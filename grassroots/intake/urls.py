from __future__ import annotations

from django.urls import URLPattern, path

from grassroots.intake.cases import views
from grassroots.intake.catalogues import views as catalogue_views
from grassroots.intake.figures import views as figure_views
from grassroots.intake.reporting import views as reporting_views
from grassroots.intake.validation import views as validation_views
from grassroots.intake.workflow import views as workflow_views

app_name = "intake"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("cases/upload/", views.upload_cases, name="upload-cases"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("figures/", figure_views.figures_index, name="figures"),
    path("figures/template/", figure_views.download_template, name="template"),
    path("figures/upload/", figure_views.upload_figures, name="upload-figures"),
    path("figures/confirm/<str:token>/", figure_views.confirm_figures, name="confirm-figures"),
    path("figures/marked/<str:token>/", figure_views.marked_workbook, name="marked"),
    path("values/", figure_views.value_history, name="history"),
    path("submissions/", workflow_views.submissions, name="submissions"),
    path("submissions/act/", workflow_views.act, name="act"),
    path("submissions/act-bulk/", workflow_views.act_bulk, name="act_bulk"),
    path("validation/", validation_views.validation, name="validation"),
    path("validation/run/", validation_views.run, name="run-validation"),
    path("reporting/", reporting_views.reporting, name="reporting"),
    path("catalogues/<str:code>/", catalogue_views.catalogue, name="catalogue"),
    path(
        "catalogues/<str:code>/<int:version>/",
        catalogue_views.catalogue_version,
        name="catalogue-version",
    ),
    path("reporting/deadline/", reporting_views.deadline, name="deadline"),
]
