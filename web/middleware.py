from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation

from kernel.errors import DomainError, NotAuthenticated, http_error
from kernel.language import language_from_cookies
from kernel.nul import any_nul, json_has_nul

API_PREFIX = "/api/"


def chosen_language(request: HttpRequest) -> str:
    return language_from_cookies(request.COOKIES)


class ApiJsonErrorsMiddleware:
    """Every error under ``/api/`` leaves as JSON ``{"code", "message"}``, also the ones that no
    API handler produced: Django's 404 for an unknown path (an HTML debug page under DEBUG), the
    framework's plain-text 405 for a wrong method, a 400 for a bad host or an oversized body, a
    500 raised in a middleware. It sits outermost, so it sees every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not request.path_info.startswith(API_PREFIX):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        with translation.override(chosen_language(request)):
            body = http_error(response.status_code)
        replacement = JsonResponse(body, status=response.status_code)
        for header in ("Allow", "Retry-After", "Content-Language"):
            if header in response:
                replacement[header] = response[header]
        for cookie in response.cookies.values():
            replacement.cookies[cookie.key] = cookie
        return replacement


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class NoNulCharactersMiddleware:
    """A request with a NUL character (kernel/nul.py) in its path, query, cookies, form fields or
    JSON body is refused (400) before any view reads it. Uploaded files may hold any bytes; a
    body too large for Django to read is left to the view, which refuses it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._carries_nul(request):
            raise BadRequest("a NUL character in the request")
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request: HttpRequest) -> bool:
        query = request.GET
        if "\x00" in request.path_info or any_nul(request.COOKIES.values()):
            return True
        if any_nul(query.keys()) or any(any_nul(query.getlist(key)) for key in query):
            return True
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return False
        if request.content_type in _FORMS:
            form = request.POST  # a malformed or oversized form raises here as it would in the view
            return any_nul(form.keys()) or any(any_nul(form.getlist(key)) for key in form)
        if request.content_type != "application/json":
            return False
        try:
            body = request.body
        except RequestDataTooBig:
            return False
        return json_has_nul(body.decode("latin-1"))  # each byte one character: escapes are ASCII


class ChineseFirstLocaleMiddleware:
    """Chinese unless the person chose another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a phone or an
    office PC set to English would get English pages; here only the switcher's cookie counts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class DomainErrorMiddleware:
    """Pages raise the same domain errors as the API; show them as a page with the right status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if isinstance(exception, NotAuthenticated):
            return redirect_to_login(request.get_full_path())
        return render(request, "error.html", {"error": exception}, status=exception.status)
