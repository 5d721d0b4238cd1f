from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from forum.selectors import board_list_for, posts_search
from kernel.errors import DomainError, http_error
from mailboxes.selectors import conversations_for, mailbox_search_for
from meetings.models import MeetingKind
from meetings.selectors import meetings_search_for, meetings_upcoming_for
from members import selectors
from members.access import actor_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    me = selectors.me_get(actor=actor) if actor.is_member else None
    upcoming = list(meetings_upcoming_for(actor=actor, limit=5)) if actor.is_member else []
    unread_boards = [b for b in board_list_for(actor=actor) if getattr(b, "unread_threads", 0)] if me else []
    unread_conversations = [row for row in conversations_for(actor=actor) if row.unread] if me else []
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


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    body = http_error(400)
    if request.path.startswith("/api/"):
        return JsonResponse(body, status=400)
    return render(request, "error.html", {"error": body}, status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "message": _("Internal server error.")}, status=500)
    return render(request, "500.html", status=500)


def _not_found(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "404.html", status=404)


@login_required
def profile(request: HttpRequest, member_id: int) -> HttpResponse:
    """A member as other members see them: name, organisation, roles."""
    try:
        person = selectors.member_profile_for(actor=actor_for(request.user), member_id=member_id)
    except DomainError as error:
        return _not_found(request, error)
    return render(request, "web/profile.html", {"person": person})


@login_required
def organisation(request: HttpRequest, org_id: int) -> HttpResponse:
    """An organisation: the chain above, sub-organisations, its secretary and other roles, the
    upcoming meetings the viewer is invited to, its boards."""
    actor = actor_for(request.user)
    try:
        page = selectors.organisation_page_for(actor=actor, org_id=org_id)
    except DomainError as error:
        return _not_found(request, error)
    meetings = [m for m in meetings_upcoming_for(actor=actor, limit=50) if m.organisation_id == org_id]
    boards = board_list_for(actor=actor, organisation_id=org_id)
    return render(request, "web/organisation.html", {**page, "meetings": meetings[:10], "boards": boards})


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """One search over what the person may see: forum posts, their own mailboxes and writings,
    meetings and lessons with their minutes."""
    actor = actor_for(request.user)
    query = request.GET.get("q", "").strip()[:100]
    results: dict[str, object] = {}
    if query and actor.is_member:
        found = meetings_search_for(actor=actor, query=query)
        results = {
            "posts": posts_search(actor=actor, query=query, limit=10),
            **mailbox_search_for(actor=actor, query=query, limit=10),
            "meetings": [m for m in found if m.kind != MeetingKind.LESSON],
            "lessons": [m for m in found if m.kind == MeetingKind.LESSON],
        }
    return render(request, "web/search.html", {"query": query, **results})
