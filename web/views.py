from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from forum.selectors import board_list_for
from mailboxes.selectors import conversations_for
from meetings.selectors import meetings_upcoming_for
from members import selectors
from members.access import actor_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    me = selectors.me_get(actor=actor) if actor.is_member else None
    upcoming = list(meetings_upcoming_for(actor=actor, limit=5)) if actor.is_member else []
    unread_boards = [b for b in board_list_for(actor=actor) if getattr(b, "unread_threads", 0)] if me else []
    unread_conversations = [row for row in conversations_for(actor=actor) if row["unread"]] if me else []
    return render(
        request,
        "web/home.html",
        {
            "me": me,
            "upcoming_meetings": upcoming,
            "unread_boards": unread_boards,
            "unread_conversations": unread_conversations,
        },
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    me = selectors.me_get(actor=actor) if actor.is_member else None
    form = PasswordChangeForm(request.user, request.POST or None)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("account")
    return render(request, "web/account.html", {"me": me, "form": form})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "message": _("Internal server error.")}, status=500)
    return render(request, "500.html", status=500)
