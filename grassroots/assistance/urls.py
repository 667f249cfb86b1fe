from __future__ import annotations

from django.urls import URLPattern, path

from grassroots.assistance import views

app_name = "assistance"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("wall-chart/", views.wall_chart, name="wall-chart"),
    path("units/<str:code>/", views.plan, name="plan"),
    path("exit/<int:pk>/", views.exit_form, name="exit"),
]
