"""Mailbox pages. Every read goes through mailbox.selectors; domain errors on a form are shown
on the form, other domain errors become an error page (web.middleware)."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kernel import files
from kernel.errors import DomainError, NotFound, RateLimited
from kernel.ids import id_or_none
from mailboxes import access_log, selectors, services
from mailboxes.models import MailboxFile, TipStatus, WritingKind, WritingStatus
from members.access import Action, actor_for, can
from members.models import Member


def _uploads(request: HttpRequest) -> list[tuple[str, Any]]:
    return [(f.name or "file", f) for f in request.FILES.getlist("files")]


# --- Conversations ---------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    return render(
        request,
        "mailbox/index.html",
        {"rows": selectors.conversations_for(actor=actor), "partners": selectors.partners_for(actor=actor)[:500]},
    )


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    conversation = services.conversation_open(
        by=actor_for(request.user), other_id=id_or_none(request.POST.get("member")) or 0
    )
    return redirect("mailbox:conversation", conversation.pk)


HISTORY_PAGE = 50


@login_required
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    c = selectors.conversation_get_for(actor=actor, conversation_id=conversation_id)
    draft = ""
    status = 200
    if request.method == "POST":
        try:
            services.message_send(
                by=actor, conversation_id=c.pk, text=request.POST.get("text", ""), cid=request.POST.get("cid") or None
            )
            return redirect("mailbox:conversation", c.pk)
        except DomainError as error:
            messages.error(request, str(error))
            draft, status = request.POST.get("text", ""), error.status  # shown again: nothing is lost
    other = Member.objects.select_related("organisation").get(pk=c.other_id(actor.mid))
    before = id_or_none(request.GET.get("before")) if request.method == "GET" else None
    head = selectors.stream_head_of(c)
    # Older pages by seq (``before``); one more than a page tells whether there is an older one.
    history = selectors.messages_for(actor=actor, conversation_id=c.pk, before=before, limit=HISTORY_PAGE + 1)
    older = history[1].seq if len(history) > HISTORY_PAGE else None
    history = history[-HISTORY_PAGE:]
    if before is None:
        services.conversation_read(by=actor, conversation_id=c.pk, upto=head)
    return render(
        request,
        "mailbox/conversation.html",
        {
            "conversation": c,
            "other": other,
            "history": history,
            "head": head,
            "me": actor.mid,
            "other_read": c.read_upto(other.pk),
            "older": older,
            "latest": before is None,
            "draft": draft,
            "cid": uuid.uuid4().hex,
        },
        status=status,
    )


@login_required
@require_POST
def report_message(request: HttpRequest, conversation_id: int) -> HttpResponse:
    try:
        services.message_report(
            by=actor_for(request.user),
            conversation_id=conversation_id,
            seq=id_or_none(request.POST.get("seq")) or 0,
            reason=request.POST.get("reason", ""),
            consent=request.POST.get("consent") == "on",
        )
        messages.success(request, _("The message was sent to the moderators."))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("mailbox:conversation", conversation_id)


# --- Thought reports ---------------------------------------------------------------------------------


@login_required
def writings(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            writing = services.writing_create(
                by=actor,
                kind=request.POST.get("kind", WritingKind.THOUGHT_REPORT),
                title=request.POST.get("title", ""),
                text=request.POST.get("text", ""),
                year=id_or_none(request.POST.get("year")),
                quarter=id_or_none(request.POST.get("quarter")),
                submit=request.POST.get("submit") == "on",
                uploads=_uploads(request),
            )
            return redirect("mailbox:writing", writing.pk)
        except DomainError as error:
            messages.error(request, str(error))
    year, quarter = services.current_period()
    return render(
        request,
        "mailbox/writings.html",
        {
            "writings": selectors.writings_own(actor=actor),
            "kinds": WritingKind.choices,
            "year": year,
            "quarter": quarter,
            "form": form,
            "reviewable": selectors.reviewable_organisations(actor=actor),
        },
    )


@login_required
def writing(request: HttpRequest, writing_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    w = selectors.writing_get_for(actor=actor, writing_id=writing_id)
    draft: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "save":
                services.writing_update(
                    by=actor, writing_id=w.pk, title=request.POST.get("title", ""), text=request.POST.get("text", "")
                )
                if request.FILES:
                    services.writing_attach(by=actor, writing_id=w.pk, uploads=_uploads(request))
                messages.success(request, _("Saved."))
            elif action == "submit":
                services.writing_submit(by=actor, writing_id=w.pk)
            elif action == "review":
                services.writing_review(by=actor, writing_id=w.pk, comment=request.POST.get("text", ""))
            else:
                services.writing_comment(by=actor, writing_id=w.pk, text=request.POST.get("text", ""))
            return redirect("mailbox:writing", w.pk)
        except DomainError as error:
            messages.error(request, str(error))
            draft, status = request.POST.dict(), error.status  # shown again: nothing is lost
            w = selectors.writing_get_for(actor=actor, writing_id=writing_id)
    return render(
        request,
        "mailbox/writing.html",
        {
            "w": w,
            "comments": w.comments.select_related("author"),
            "files": w.files.all(),
            "is_author": w.author_id == actor.member_id,
            "can_review": w.status == WritingStatus.SUBMITTED
            and can(actor, Action.REVIEW_THOUGHT_REPORTS, w.organisation),
            "draft": draft,
        },
        status=status,
    )


@login_required
def writing_print(request: HttpRequest, writing_id: int) -> HttpResponse:
    w = selectors.writing_get_for(actor=actor_for(request.user), writing_id=writing_id)
    return render(request, "mailbox/writing_print.html", {"w": w, "comments": w.comments.select_related("author")})


@login_required
def branch_writings(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    organisations = selectors.reviewable_organisations(actor=actor)
    if not organisations:
        raise NotFound(_("You do not review thought reports."))
    chosen = next((o for o in organisations if o.pk == id_or_none(request.GET.get("org"))), organisations[0])
    this_year, this_quarter = services.current_period()
    year = id_or_none(request.GET.get("year")) or this_year
    quarter = id_or_none(request.GET.get("quarter"))
    status = request.GET.get("status") or None
    rows = selectors.writings_for_branch(actor=actor, organisation=chosen, year=year, quarter=quarter, status=status)
    missing = selectors.members_without_report(
        actor=actor, organisation=chosen, year=year, quarter=quarter or this_quarter
    )
    return render(
        request,
        "mailbox/branch_writings.html",
        {
            "organisations": organisations,
            "chosen": chosen,
            "rows": rows[:500],
            "missing": missing[:500],
            "year": year,
            "quarter": quarter,
            "missing_quarter": quarter or this_quarter,
            "status": status or "",
            "statuses": [(s, label) for s, label in WritingStatus.choices if s != WritingStatus.DRAFT],
        },
    )


# --- The report mailbox ---------------------------------------------------------------------------


@login_required
@never_cache
def tip_new(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    organisations = services.tip_organisations(by=actor)
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            tip, code = services.tip_file(
                by=actor,
                organisation_id=id_or_none(request.POST.get("organisation")) or 0,
                subject=request.POST.get("subject", ""),
                text=request.POST.get("text", ""),
                person_concerned=request.POST.get("person_concerned", ""),
                named=request.POST.get("named") == "on",
                uploads=_uploads(request),
            )
            # Shown this once, never redirected to (no URL carries it) and never cached.
            return render(request, "mailbox/tip_filed.html", {"tip": tip, "code": code})
        except DomainError as error:
            messages.error(request, str(error))
    return render(request, "mailbox/tip_new.html", {"organisations": organisations, "form": form})


@never_cache
def tip_follow(request: HttpRequest) -> HttpResponse:
    """The reporter's follow-up, by receipt code, without logging in (the code travels in the
    POST body only, never in a URL)."""
    tip = None
    code = draft = ""
    status = 200
    if request.method == "POST":
        code = request.POST.get("code", "")
        text = request.POST.get("text", "")
        client = request.META.get("REMOTE_ADDR")
        try:
            if text.strip():
                tip = services.tip_add_information(code=code, text=text, client=client).tip
                messages.success(request, _("Your information was added."))
            else:
                tip = services.tip_by_receipt(code=code, client=client)
        except DomainError as error:
            messages.error(request, str(error))
            status = error.status
            if text.strip() and not isinstance(error, (NotFound, RateLimited)):
                # The code was right but the text was refused: the report again, with the text.
                with contextlib.suppress(DomainError):
                    tip, draft = services.tip_by_receipt(code=code, client=client), text
    return render(
        request,
        "mailbox/tip_follow.html",
        {"tip": tip, "code": code if tip else "", "entries": tip.entries.all() if tip else [], "draft": draft},
        status=status,
    )


@login_required
def tips(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    rows = access_log.tips_list_read(actor=actor_for(request.user), status=status, limit=500)
    return render(request, "mailbox/tips.html", {"rows": rows, "status": status or "", "statuses": TipStatus.choices})


@login_required
def tip(request: HttpRequest, public_id: str) -> HttpResponse:
    actor = actor_for(request.user)
    draft = ""
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("status"):
                services.tip_status_set(by=actor, public_id=public_id, status=request.POST["status"])
            if request.POST.get("text", "").strip():
                services.tip_reply(by=actor, public_id=public_id, text=request.POST["text"])
            return redirect("mailbox:tip", public_id)
        except DomainError as error:
            messages.error(request, str(error))
            draft, status = request.POST.get("text", ""), error.status  # shown again: nothing is lost
    t = access_log.tip_read(actor=actor, public_id=public_id)
    return render(
        request,
        "mailbox/tip.html",
        {
            "t": t,
            "entries": t.entries.select_related("inspector"),
            "files": t.files.all(),
            "statuses": TipStatus.choices,
            "draft": draft,
        },
        status=status,
    )


@login_required
def file(request: HttpRequest, file_id: int) -> HttpResponseBase:
    """An attachment, for whoever may read what it is attached to; never rendered inline as HTML."""
    actor = actor_for(request.user)
    item = MailboxFile.objects.filter(pk=file_id).first()
    if item is None:
        raise NotFound()
    if item.writing_id is not None:
        selectors.writing_get_for(actor=actor, writing_id=item.writing_id)
    else:
        assert item.tip is not None  # a file belongs to a writing or a report (a database constraint)
        access_log.tip_read(actor=actor, public_id=item.tip.public_id)
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    for header, value in files.download_headers(item.name, inline=item.content_type.startswith("image/")).items():
        response[header] = value
    response["Cache-Control"] = "private, no-store"
    return response
