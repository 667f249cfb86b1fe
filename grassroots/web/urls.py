from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from grassroots.web import views
from grassroots.web.api import api

# Django's admin is deliberately not mounted: audit entries must not be editable via the app.
urlpatterns = [
    path("", views.home, name="home"),
    path("", include("grassroots.organisations.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("intake/", include("grassroots.intake.urls")),
    path("evaluation/", include("grassroots.evaluation.urls")),
    path("assistance/", include("grassroots.assistance.urls")),
    path("supervision/", include("grassroots.supervision.urls")),
    path("api/", api.urls),
]
