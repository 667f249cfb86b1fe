"""The API's composition, mounted by grassroots.web.urls: ``path("api/", api.urls)``.

Each app owns its routers and schemas; this module only puts them together with the
authentication, at the top of the house.

OpenAPI at /api/openapi.json, interactive docs at /api/docs.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import ValidationError
from ninja.openapi.docs import _csrf_needed

from grassroots import __version__
from grassroots.assistance.api import router as assistance_router
from grassroots.direct.api import router as direct_router
from grassroots.evaluation.api import router as evaluation_router
from grassroots.intake.api import router as intake_router
from grassroots.library.api import router as library_router
from grassroots.notifications.api import router as notifications_router
from grassroots.organisations.api import router as units_router
from grassroots.party.api import router as party_router
from grassroots.people.api import router as people_router
from grassroots.problem_wording import validation_errors
from grassroots.reports.api import router as reports_router
from grassroots.supervision.api import router as supervision_router
from grassroots.web.api_auth import AUTH


class BundledSwagger(Swagger):
    """The Swagger page from ninja's bundled files, never a CDN (the CSP would refuse it).

    ninja renders its own template only when "ninja" is an installed app; it is not (importing
    it at Django's start cost every command ~0.2 s, issue 20.4): settings.py puts ninja's
    templates and static files on Django's paths and this renders the same template."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": _csrf_needed(api),
        }
        return render(request, self.template, context)


api = NinjaAPI(
    title="Grassroots API",
    version=__version__,
    description=(
        "Units, results and assistance of grassroots procuratorates. Authenticate with a bearer "
        "token (`grassroots users token USERNAME --name NAME`) or a browser session; every answer "
        "is limited to the caller's unit and the units under it."
    ),
    urls_namespace="api",
    auth=AUTH,
    docs=BundledSwagger(),
)
api.add_router("/", units_router)
api.add_router("/intake", intake_router)
api.add_router("/people", people_router)
api.add_router("/evaluation", evaluation_router)
api.add_router("/assistance", assistance_router)
api.add_router("/reports", reports_router)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A request the schema refuses: 422 with each problem in the caller's language (issue
    19.7: Chinese callers read Chinese, whatever pydantic says)."""
    return api.create_response(request, {"detail": validation_errors(exc.errors)}, status=422)


@api.exception_handler(DataError)
def _unstorable(request: HttpRequest, exc: DataError) -> HttpResponse:
    """The last guard of the API's input (issue 19.7): a text the database cannot hold (longer
    than its column, or with a NUL byte) is the caller's 422, never a 500. The schemas check
    the limits first; this answers what a schema does not yet name."""
    detail = _(
        "A value cannot be stored: it is longer than its field allows or contains a NUL byte."
    )
    return api.create_response(request, {"detail": detail}, status=422)


api.add_router("/supervision", supervision_router)
api.add_router("/party", party_router)
api.add_router("/library", library_router)
api.add_router("/notifications", notifications_router)
api.add_router("/direct", direct_router)
