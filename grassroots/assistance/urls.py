from __future__ import annotations

from django.urls import URLPattern, path

from grassroots.assistance import views
from grassroots.assistance.decisions import views as decision_views
from grassroots.assistance.exits import views as exit_views
from grassroots.assistance.plans import views as plan_views

app_name = "assistance"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("wall-chart/", views.wall_chart, name="wall-chart"),
    path("units/<str:code>/", plan_views.plan, name="plan"),
    path("units/<str:code>/problems/", plan_views.new_problem, name="add-problem"),
    path("units/<str:code>/measures/", plan_views.new_measure, name="add-measure"),
    path("units/<str:code>/targets/", plan_views.new_target, name="set-target"),
    path("units/<str:code>/recommend-exit/", plan_views.recommend, name="recommend-exit"),
    path("measures/<int:pk>/", plan_views.measure_page, name="measure"),
    path("measures/<int:pk>/edit/", plan_views.change_measure, name="edit-measure"),
    path("measures/<int:pk>/progress/", plan_views.progress, name="progress"),
    path("measures/<int:pk>/evidence/", plan_views.evidence, name="add-evidence"),
    path("evidence/<int:pk>/", plan_views.evidence_file, name="evidence"),
    path("overdue/", plan_views.overdue, name="overdue"),
    path("ledger/", plan_views.ledger, name="ledger"),
    path("exit/<int:pk>/", views.exit_form, name="exit"),
    path("exit-standard/<str:code>/", exit_views.exit_standard, name="exit-standard"),
    path("candidates/", decision_views.candidates, name="candidates"),
    path("designate/<str:code>/", decision_views.designate, name="designate"),
    path("pairing/", decision_views.pairing, name="pairing"),
    path("awards/", decision_views.awards, name="awards"),
    path("awards/weights/", decision_views.award_weights, name="award-weights"),
    path("relapse/", decision_views.relapse, name="relapse"),
]
