"""The forum's pages. Each view parses the request, calls one selector or service, and renders;
domain errors become an error page (reads) or a message on the form (writes)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forum import rules, selectors, services
from forum.models import REACTION_EMOJI, ReactionKind
from kernel import files
from kernel.errors import DomainError
from kernel.ids import id_or_none
from members.access import Actor, actor_for

View = Callable[..., HttpResponseBase]


def domain_errors(view: View) -> View:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render(request, "forum/error.html", {"error": error}, status=error.status)

    return wrapped


def _uploads(request: HttpRequest) -> list[int]:
    """Files sent with a compose or reply form, stored (sniffed) before the post is written."""
    actor = actor_for(request.user)
    return [
        services.attachment_upload(by=actor, name=f.name or "", stream=f, size=f.size).pk
        for f in request.FILES.getlist("files")[: services.MAX_ATTACHMENTS]
    ]


def _refused(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)
    reasons = error.details.get("reasons")
    for reason in reasons if isinstance(reasons, list) else []:
        if isinstance(reason, dict) and reason.get("message") != error.message:
            messages.error(request, str(reason.get("message", "")))


@login_required
@domain_errors
def board_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    organisation = id_or_none(request.GET.get("organisation"))
    boards = selectors.board_list_for(actor=actor, organisation_id=organisation)
    return render(request, "forum/board_list.html", {"boards": boards})


@login_required
@domain_errors
def board(request: HttpRequest, board_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    board = selectors.board_get_for(actor=actor, board_id=board_id)
    seq = selectors.live_seq(stream=services.board_stream(board.pk))
    page = selectors.board_threads(actor=actor, board=board, before=id_or_none(request.GET.get("before")))
    context = {"board": board, "page": page, "can_start": rules.can_start_thread(actor, board), "seq": seq}
    return render(request, "forum/board.html", context)


@login_required
@domain_errors
def thread_compose(request: HttpRequest, board_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    board = selectors.board_get_for(actor=actor, board_id=board_id)
    rules.require_start_thread(actor, board)
    form = {"title": request.POST.get("title", ""), "text": request.POST.get("text", "")}
    if request.method == "POST":
        try:
            post = services.thread_create(
                by=actor, board_id=board.pk, title=form["title"], source=form["text"],
                attachment_ids=_uploads(request),
                cid=request.POST.get("cid") or None,
            )  # fmt: skip
        except DomainError as error:
            _refused(request, error)
        else:
            if not post.is_public:
                messages.warning(request, _("Your thread awaits a moderator's review before others can see it."))
            elif post.censored:
                messages.info(request, _("Some words in your post were masked."))
            return redirect("forum:thread", thread_id=post.thread_id)
    return render(request, "forum/compose.html", {"board": board, "form": form, "cid": uuid.uuid4().hex})


@login_required
@domain_errors
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    return _thread_page(request, thread_id)


def _thread_page(
    request: HttpRequest, thread_id: int, *, draft: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    """The thread page; ``draft`` refills the reply form after a refused reply (last page)."""
    actor = actor_for(request.user)
    thread = selectors.thread_get_for(actor=actor, thread_id=thread_id)
    seq = selectors.live_seq(stream=services.thread_stream(thread.pk))
    params = {} if draft is not None else request.GET
    page = selectors.thread_posts(
        actor=actor, thread=thread, after=id_or_none(params.get("after")), before=id_or_none(params.get("before")),
        last=draft is not None or params.get("last") == "1", unread=params.get("unread") == "1",
    )  # fmt: skip
    if page.posts and actor.is_member and page.posts[-1].pk > page.read_upto:
        # Only a page that moves the reader's position forward writes (rereading costs nothing).
        services.thread_mark_read(by=actor, thread_id=thread.pk, post_id=page.posts[-1].pk)
    board = thread.board
    can_manage = rules.can_manage_threads(actor, board)
    context = {
        **_posts_context(actor, page, can_manage=can_manage),
        "thread": thread,
        "withheld": selectors.thread_withheld(thread),
        "board": board,
        "can_manage": can_manage,
        "move_targets": [b for b in selectors.boards_managed_by(actor=actor) if b.pk != board.pk] if can_manage else [],
        "last_id": page.posts[-1].pk if page.posts else None,
        "seq": seq,
        "draft": draft or {},
        "cid": uuid.uuid4().hex,
    }
    return render(request, "forum/thread.html", context, status=status)


def _posts_context(actor: Actor, page: selectors.PostPage, *, can_manage: bool) -> dict[str, Any]:
    """What forum/_post.html needs, for a thread page and for one post inserted live alike."""
    thread = page.thread
    kinds = [(k.value, REACTION_EMOJI[k], str(k.label)) for k in ReactionKind]  # translated once
    return {
        "page": page,
        "posts": [
            (post, out, [(k, emoji, label, out.reactions.get(k), k in out.my_reactions) for k, emoji, label in kinds])
            for post, out in zip(page.posts, selectors.page_posts_out(page), strict=True)
        ],
        "mentioned": selectors.mentioned_members(page.posts),
        "can_moderate": rules.can_moderate(actor, thread.board),
        "can_reply": actor.is_member and thread.published and (not thread.locked or can_manage),
        "me": actor.member_id,
    }


@domain_errors
def post_fragment(request: HttpRequest, post_id: int) -> HttpResponse:
    """One post as the thread page draws it, for the page to insert when it arrives live: one
    renderer for posts, whether the page was loaded or the post came over the socket."""
    actor = actor_for(request.user)
    page = selectors.post_page_for(actor=actor, post_id=post_id)
    context = _posts_context(actor, page, can_manage=rules.can_manage_threads(actor, page.thread.board))
    p, o, reactions = context["posts"][0]
    return render(request, "forum/_post.html", {**context, "p": p, "o": o, "reactions": reactions})


@login_required
@domain_errors
def mention_candidates(request: HttpRequest, thread_id: int) -> JsonResponse:
    """The reply box's autocomplete: people who may read the thread, by real name or username."""
    members = selectors.mention_candidates(
        actor=actor_for(request.user), thread_id=thread_id, query=request.GET.get("q", "")[:50]
    )
    return JsonResponse(
        {
            "people": [
                {"username": m.user.username, "name": m.real_name, "organisation": m.organisation.name} for m in members
            ]
        }
    )


@login_required
@require_POST
@domain_errors
def post_reply(request: HttpRequest, thread_id: int) -> HttpResponse:
    try:
        post = services.post_create(
            by=actor_for(request.user), thread_id=thread_id, source=request.POST.get("text", ""),
            quote_id=id_or_none(request.POST.get("quote")), attachment_ids=_uploads(request),
            cid=request.POST.get("cid") or None,
        )  # fmt: skip
    except DomainError as error:
        _refused(request, error)
        # The page again with what was typed, so nothing is lost.
        draft = {"text": request.POST.get("text", ""), "quote": request.POST.get("quote", "")}
        return _thread_page(request, thread_id, draft=draft, status=error.status)
    if not post.is_public:
        messages.warning(request, _("Your post awaits a moderator's review before others can see it."))
    elif post.censored:
        messages.info(request, _("Some words in your post were masked."))
    return redirect(reverse("forum:thread", args=[thread_id]) + f"?last=1#p{post.pk}")


@login_required
@domain_errors
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    post = selectors.post_get_for(actor=actor, post_id=post_id)
    text = request.POST.get("text", post.source)
    if request.method == "POST":
        try:
            post = services.post_edit(by=actor, post_id=post.pk, source=text)
        except DomainError as error:
            _refused(request, error)
        else:
            if not post.is_public:
                messages.warning(request, _("Your edit awaits a moderator's review before others can see it."))
            elif post.censored:
                messages.info(request, _("Some words in your post were masked."))
            return redirect(reverse("forum:thread", args=[post.thread_id]) + f"?after={post.pk - 1}#p{post.pk}")
    return render(request, "forum/edit.html", {"post": post, "text": text})


@login_required
@domain_errors
def post_history(request: HttpRequest, post_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    revisions = selectors.post_revisions_for(actor=actor, post_id=post_id)
    post = selectors.post_get_for(actor=actor, post_id=post_id)
    return render(request, "forum/history.html", {"post": post, "revisions": revisions})


@login_required
@require_POST
@domain_errors
def post_delete(request: HttpRequest, post_id: int) -> HttpResponse:
    post = services.post_delete(by=actor_for(request.user), post_id=post_id)
    messages.success(request, _("The post was deleted."))
    return redirect("forum:thread", thread_id=post.thread_id)


@login_required
@require_POST
@domain_errors
def post_react(request: HttpRequest, post_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    kind, _, on = request.POST.get("reaction", "").partition(":")
    services.reaction_set(by=actor, post_id=post_id, kind=kind, on=on != "0")
    post = selectors.post_get_for(actor=actor, post_id=post_id)
    return redirect(reverse("forum:thread", args=[post.thread_id]) + f"?after={post.pk - 1}#p{post.pk}")


@login_required
@require_POST
@domain_errors
def thread_manage(request: HttpRequest, thread_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    action = request.POST.get("action")
    if action in ("pin", "unpin"):
        services.thread_pin(by=actor, thread_id=thread_id, pinned=action == "pin")
    elif action in ("lock", "unlock"):
        services.thread_lock(by=actor, thread_id=thread_id, locked=action == "lock")
    elif action == "move":
        services.thread_move(by=actor, thread_id=thread_id, board_id=id_or_none(request.POST.get("board")) or 0)
    return redirect("forum:thread", thread_id=thread_id)


@login_required
@domain_errors
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    offset = min(id_or_none(request.GET.get("offset")) or 0, selectors.SEARCH_OFFSET_MAX)
    hits = selectors.posts_search(actor=actor_for(request.user), query=query, offset=offset) if query else []
    return render(request, "forum/search.html", {"query": query, "hits": hits, "offset": offset})


@login_required
@domain_errors
def notifications(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    rows = selectors.notifications_for(actor=actor)
    if any(n.read_at is None for n in rows):
        # Seeing them is reading them; the list still shows which ones were new.
        services.notifications_mark_read(by=actor, ids=[n.pk for n in rows if n.read_at is None])
    return render(request, "forum/notifications.html", {"notifications": rows})


@login_required
@domain_errors
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    item = selectors.attachment_get_for(actor=actor_for(request.user), attachment_id=attachment_id)
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    for header, value in files.download_headers(item.filename, inline=item.is_image).items():
        response[header] = value
    response["Cache-Control"] = "private, max-age=3600"
    return response
