"""The people pages, mounted at /people/ (namespace ``people``)."""

from __future__ import annotations

from django.urls import path

from grassroots.people import assessment_views, views

app_name = "people"
urlpatterns = [
    path("", views.index, name="index"),
    path("access/", views.access_log, name="access-log"),
    path("units/<str:code>/", views.roster, name="roster"),
    path("units/<str:code>/template.xlsx", views.roster_template, name="roster-template"),
    path("units/<str:code>/import/", views.roster_import, name="roster-import"),
    path("units/<str:code>/marked.xlsx", views.roster_marked, name="roster-marked"),
    path("units/<str:code>/departments/", views.department_add, name="department-add"),
    path("units/<str:code>/new/", views.person_edit, name="person-new"),
    path("units/<str:code>/people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:pk>/", views.person_page, name="person"),
    path(
        "units/<str:code>/assessments/new/", assessment_views.new_assessment, name="assessment-new"
    ),
    path("assessments/<int:pk>/", assessment_views.assessment, name="assessment"),
    path("assessments/<int:pk>/items/", assessment_views.add_item, name="item-add"),
    path("assessments/<int:pk>/compute/", assessment_views.compute, name="compute"),
    path("scores/<int:pk>/object/", assessment_views.object_to_score, name="object"),
    path("objections/<int:pk>/decide/", assessment_views.decide, name="decide"),
    path("coefficients/", assessment_views.coefficients, name="coefficients"),
]
