"""Moderator pages: the live review queue, the staff action log, word lists. Thin: parse, call, render."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kernel import times
from kernel.errors import Conflict, DomainError, Forbidden
from kernel.ids import id_or_none
from members.access import actor_for
from moderation import selectors, services, wordlist_pages
from moderation.matcher import ListAction
from moderation.models import QueueStatus
from moderation.schemas import QueueItemOut, StaffActionOut
from moderation.wordlist_csv import Row, rows_write


def _moderator_or_403(request: HttpRequest) -> HttpResponse | None:
    try:
        selectors.require_moderator_somewhere(actor_for(request.user))
    except DomainError as error:
        return render(request, "moderation/forbidden.html", {"message": error.message}, status=403)
    return None


@login_required
def queue_page(request: HttpRequest) -> HttpResponse:
    if (refused := _moderator_or_403(request)) is not None:
        return refused
    actor = actor_for(request.user)
    status = request.GET.get("status", QueueStatus.PENDING)
    if status not in QueueStatus.values:
        status = QueueStatus.PENDING
    items = [QueueItemOut.of(i) for i in selectors.queue_items_for(actor=actor, status=status)]
    context = {
        "items": items,
        "status": status,
        "statuses": QueueStatus.choices,
        "me": actor.member_id,
        "streams": [f"moderation.queue:{p.strip('/').split('/')[-1]}" for p in selectors.moderated_paths(actor)],
    }
    template = "moderation/_queue_items.html" if request.GET.get("fragment") else "moderation/queue.html"
    return render(request, template, context)


QUEUE_VERBS = {"claim", "release", "approve", "reject", "edit_approve", "escalate"}


@login_required
@require_POST
def queue_act(request: HttpRequest, item_id: int, verb: str) -> HttpResponse:
    actor = actor_for(request.user)
    try:
        if verb == "claim":
            services.queue_claim(by=actor, item_id=item_id)
        elif verb == "release":
            services.queue_release(by=actor, item_id=item_id)
        elif verb == "approve":
            services.queue_approve(by=actor, item_id=item_id)
        elif verb == "reject":
            services.queue_reject(by=actor, item_id=item_id, reason=request.POST.get("reason", ""))
        elif verb == "edit_approve":
            services.queue_edit_approve(by=actor, item_id=item_id, text=request.POST.get("text", ""))
        elif verb == "escalate":
            services.queue_escalate(by=actor, item_id=item_id, note=request.POST.get("note", ""))
        else:
            raise Forbidden(_("Unknown action."))
        messages.success(request, _("Done."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("moderation:queue")


def _parse_moment(value: str | None) -> dt.datetime | None:
    """A ``datetime-local`` field's value: the moderator's local time (the site's time zone)."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


# What the action log shows for each archived verb, and offers as a filter.
STAFF_VERBS = {
    "queue.claim": gettext_lazy("Claimed for review"),
    "queue.release": gettext_lazy("Released"),
    "queue.approve": gettext_lazy("Approved"),
    "queue.reject": gettext_lazy("Rejected"),
    "queue.edit_approve": gettext_lazy("Edited and approved"),
    "queue.escalate": gettext_lazy("Escalated"),
    "sanction.warn": gettext_lazy("Warning given"),
    "sanction.mute": gettext_lazy("Muted"),
    "sanction.suspend": gettext_lazy("Suspended"),
    "sanction.lift": gettext_lazy("Sanction lifted"),
    "wordlist.create": gettext_lazy("Word list created"),
    "wordlist.update": gettext_lazy("Word list changed"),
    "wordlist.import": gettext_lazy("Word list imported"),
    "wordlist.delete_word": gettext_lazy("Word removed"),
    "policy.set": gettext_lazy("Flag threshold set"),
}
# The details' keys, in words.
DETAIL_LABELS = {
    "reason": gettext_lazy("Reason"),
    "note": gettext_lazy("Note"),
    "flag_threshold": gettext_lazy("Flag threshold"),
    "ends": gettext_lazy("Until"),
    "entries": gettext_lazy("Words"),
    "word": gettext_lazy("Word"),
    "name": gettext_lazy("Word list"),
}
# Details the verb or the target already says, or internal ones.
HIDDEN_DETAILS = {"kind", "member_id", "edited", "replace"}


def _readable(row: dict[str, Any]) -> dict[str, Any]:
    row["verb_label"] = STAFF_VERBS.get(row["verb"], row["verb"])
    row["details"] = {
        DETAIL_LABELS.get(key, key): times.when(value) if key == "ends" else value
        for key, value in row["details"].items()
        if value is not None and value != "" and key not in HIDDEN_DETAILS
    }
    return row


@login_required
@require_POST
def flag_submit(request: HttpRequest) -> HttpResponse:
    """The flag control's form: flag, then back to the page with a receipt (flagging twice counts once)."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    try:
        services.flag_create(
            by=actor_for(request.user),
            ref=request.POST.get("ref", ""),
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Thank you: your flag was received and a moderator will look at it."))
    except Conflict:
        messages.info(request, _("You have already flagged this; your flag counts once."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(target)


@login_required
def action_log_page(request: HttpRequest) -> HttpResponse:
    if (refused := _moderator_or_403(request)) is not None:
        return refused
    q = request.GET
    rows = selectors.staff_actions_for(
        actor=actor_for(request.user),
        verb=q.get("verb") or None,
        moderator_id=id_or_none(q.get("moderator")),
        since=_parse_moment(q.get("since")),
        until=_parse_moment(q.get("until")),
    )
    page = Paginator(rows, 50).get_page(q.get("page"))
    filters = q.copy()
    filters.pop("page", None)
    return render(
        request,
        "moderation/actions.html",
        {
            "page": page,
            "rows": [_readable(StaffActionOut.of(r).model_dump()) for r in page],
            "filters": q,
            "filter_query": filters.urlencode(),
            "verbs": STAFF_VERBS,
        },
    )


@login_required
def word_lists_page(request: HttpRequest) -> HttpResponse:
    if (refused := _moderator_or_403(request)) is not None:
        return refused
    lists = selectors.word_lists_for(actor=actor_for(request.user))
    return render(request, "moderation/wordlists.html", {"lists": lists})


WORD_OPS = {"add", "edit", "delete", "import", "try"}


@login_required
def word_list_page(request: HttpRequest, list_id: int) -> HttpResponse:
    """One list: search and pages of its entries; add, edit, remove; import a CSV; try a text."""
    if (refused := _moderator_or_403(request)) is not None:
        return refused
    actor = actor_for(request.user)
    op = request.POST.get("op", "") if request.method == "POST" else ""
    context: dict[str, object] = {}
    status = 200
    try:
        word_list = selectors.word_list_get_for(actor=actor, list_id=list_id, write=op not in ("", "try"))
        if op and op not in WORD_OPS:
            raise Forbidden(_("Unknown action."))
        if op == "try":
            context["tried"] = wordlist_pages.text_try(word_list=word_list, text=request.POST.get("text", ""))
        elif op:
            message = wordlist_pages.entries_change(by=actor, word_list=word_list, op=op, data=request.POST,
                                                     files=request.FILES)  # fmt: skip
            if request.headers.get("Accept") == "application/json":
                return JsonResponse({"message": message})
            messages.success(request, message)
            return redirect(request.get_full_path())
    except DomainError as error:
        errors = error.details.get("errors")
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"message": error.message, "errors": errors or []}, status=error.status)
        if op in ("", "try") and error.status in (403, 404):
            return render(request, "moderation/forbidden.html", {"message": error.message}, status=error.status)
        context.update({"error": error.message, "row_errors": errors or []})
        status = error.status
        word_list = selectors.word_list_get_for(actor=actor, list_id=list_id)
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.word_entries_of(word_list=word_list, search=q), 50).get_page(request.GET.get("page"))
    context.update(
        {
            "word_list": word_list,
            "page": page,
            "can_edit": selectors.can_edit_list(actor, word_list),
            "q": q,
            "actions": [a.value for a in ListAction],
            "page_query": urlencode({"q": q}) if q else "",
        }
    )
    return render(request, "moderation/wordlist.html", context, status=status)


@login_required
def word_list_export(request: HttpRequest, list_id: int) -> HttpResponse | StreamingHttpResponse:
    if (refused := _moderator_or_403(request)) is not None:
        return refused
    try:
        word_list = selectors.word_list_get_for(actor=actor_for(request.user), list_id=list_id)
    except DomainError as error:
        return render(request, "moderation/forbidden.html", {"message": error.message}, status=error.status)
    rows = (
        Row(word=e.word, action=e.action, sound=e.sound, note=e.note)
        for e in selectors.word_entries_of(word_list=word_list).iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(rows_write(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{word_list.name}.csv")
    return response
