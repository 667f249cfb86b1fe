from __future__ import annotations


from django.urls import include, path

from grassroots.web import views

urlpatterns = [
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
]
