from __future__ import annotations

from django.urls import include, path

from grassroots.web import views
from grassroots.web.api import api

handler400 = "grassroots.web.views.bad_request"

# Django's admin is deliberately not mounted: audit entries must not be editable via the app.
urlpatterns = [
    path("", views.home, name="home"),
    path("", include("grassroots.organisations.urls")),
    path("", include("grassroots.organisations.security.urls")),
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("intake/", include("grassroots.intake.urls")),
    path("people/", include("grassroots.people.urls")),
    path("evaluation/", include("grassroots.evaluation.urls")),
    path("assistance/", include("grassroots.assistance.urls")),
    path("reports/", include("grassroots.reports.urls")),
    path("supervision/", include("grassroots.supervision.urls")),
    path("party/", include("grassroots.party.urls")),
    path("notifications/", include("grassroots.notifications.urls")),
    path("library/", include("grassroots.library.urls")),
    path("direct/", include("grassroots.direct.urls")),
    path("api/", api.urls),
]
