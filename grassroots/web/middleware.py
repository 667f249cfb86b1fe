"""Chinese first: the interface language is the reader's explicit choice, never the browser's."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


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
