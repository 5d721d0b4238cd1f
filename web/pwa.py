"""The installable web app: its manifest, its service worker (web/static/js/sw.js, served from
the site's root so that it may control every page), and the header that tells the worker whose
pages it is looking at, so that it never serves one member's pages to another."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.views.decorators.http import require_GET

MEMBER_HEADER = "X-Epa-Member"
SERVICE_WORKER = Path(__file__).parent / "static" / "js" / "sw.js"


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    icons = [
        {"src": static(f"img/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
        for size in (192, 512)
    ]
    icons.append({"src": static("img/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"})
    data = {
        "name": "智慧党建",
        "short_name": "智慧党建",
        "description": "党员论坛、谈心信箱、三会一课与网络党课",
        "lang": "zh-CN",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "background_color": "#f6f4f1",
        "theme_color": "#c8102e",
        "icons": icons,
    }
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@cache
def _worker_source() -> bytes:
    return SERVICE_WORKER.read_bytes()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_worker_source(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # a new version is picked up at the next visit
    response["Service-Worker-Allowed"] = "/"
    return response


def member_header(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware: every response says whose it is (the user's id, or nothing for a visitor).
    The service worker keeps pages per user and drops the others' when the user changes."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        user = getattr(request, "user", None)
        response[MEMBER_HEADER] = str(user.pk) if user is not None and user.is_authenticated else ""
        return response

    return middleware
