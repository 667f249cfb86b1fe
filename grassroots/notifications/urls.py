from __future__ import annotations

from django.urls import URLPattern, path

from grassroots.notifications import views

app_name = "notifications"
urlpatterns: list[URLPattern] = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/read/", views.read, name="read"),
    path("read-all/", views.read_all, name="read-all"),
    path("preferences/", views.preferences, name="preferences"),
]
