"""The site's URLs plus a plain Django view under /api/ that fails, outside the JSON API's own
error handling, to show that the /api/ error middleware still answers JSON."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from web.urls import urlpatterns as site_urlpatterns


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure outside the API framework")


urlpatterns = [path("api/broken", broken), *site_urlpatterns]
