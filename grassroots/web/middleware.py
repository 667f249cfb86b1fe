"""Chinese first: the interface language is the reader's explicit choice, never the browser's."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class IgnoreAcceptLanguageMiddleware:
    """Drop the browser's Accept-Language before LocaleMiddleware reads it.

    Offices often run browsers set to English; the system must still open in Chinese
    (LANGUAGE_CODE) until someone picks English with the language switch, whose cookie
    LocaleMiddleware then honours.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class NoStoreMiddleware:
    """No browser or proxy keeps a copy of an authenticated answer (MLPS 剩余信息保护).

    Pages, exports and API answers to a signed-in user or a bearer token carry
    ``Cache-Control: no-store, private``, so a shared office computer's cache or an
    intermediate proxy never holds another user's results, case figures or exports.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        authenticated = bool(getattr(user, "is_authenticated", False))
        if authenticated or "HTTP_AUTHORIZATION" in request.META:
            patch_cache_control(response, no_store=True, private=True)
            response.headers.pop("Expires", None)
        return response
