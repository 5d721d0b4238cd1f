"""The mailboxes' JSON API, mounted at /api/mailbox/. The receipt-code endpoints need no login:
the code is the anonymous reporter's only key."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from kernel.ids import Id
from mailboxes import access_log, selectors, services
from mailboxes.models import Conversation
from mailboxes.schemas import (
    AbuseIn,
    BranchQuery,
    ConversationDetailOut,
    ConversationOut,
    ConversationReadIn,
    MailboxPersonOut,
    MessageIn,
    MissingQuery,
    OpenIn,
    ReceiptIn,
    ReceiptTextIn,
    ReviewOrganisationOut,
    SeqOut,
    StatusIn,
    TipFiledOut,
    TipOut,
    TipSummaryOut,
    WritingEditIn,
    WritingIn,
    WritingOut,
    WritingTextIn,
)
from members.access import Actor, actor_for
from realtime.protocol import Seq

router = Router(tags=["mailbox"])


@router.get("/partners", response=list[MailboxPersonOut])
def partners(request: HttpRequest) -> list[MailboxPersonOut]:
    """Members you may start a heart-to-heart conversation with."""
    return [MailboxPersonOut.of(m) for m in selectors.partners_for(actor=actor_for(request.user))[:500]]


@router.get("/conversations", response=list[ConversationOut])
def conversations(request: HttpRequest) -> list[ConversationOut]:
    return [ConversationOut.of(row) for row in selectors.conversations_for(actor=actor_for(request.user))]


@router.post("/conversations", response={200: ConversationOut})
def conversation_open(request: HttpRequest, payload: OpenIn) -> ConversationOut:
    actor = actor_for(request.user)
    conversation = services.conversation_open(by=actor, other_id=payload.member)
    return _conversation_out(actor, selectors.conversation_get_for(actor=actor, conversation_id=conversation.pk))


def _conversation_out(actor: Actor, c: Conversation) -> ConversationOut:
    other = selectors.Member.objects.select_related("organisation").get(pk=c.other_id(actor.mid))
    return ConversationOut(
        id=c.pk, stream=c.stream, other=MailboxPersonOut.of(other), unread=selectors.unread_in(c, actor.mid),
        seq=selectors.stream_head_of(c),
    )  # fmt: skip


@router.get("/conversations/{conversation_id}", response=ConversationDetailOut)
def conversation(request: HttpRequest, conversation_id: Id, before: Seq | None = None) -> ConversationDetailOut:
    """The conversation with a page of messages (``before``: older than this seq)."""
    actor = actor_for(request.user)
    c = selectors.conversation_get_for(actor=actor, conversation_id=conversation_id)
    return ConversationDetailOut(
        **dict(_conversation_out(actor, c)),
        other_read_upto=c.read_upto(c.other_id(actor.mid)),
        my_read_upto=c.read_upto(actor.mid),
        messages=selectors.messages_for(actor=actor, conversation_id=c.pk, before=before),
    )


@router.post("/conversations/{conversation_id}/messages", response={201: SeqOut})
def message_send(request: HttpRequest, conversation_id: Id, payload: MessageIn) -> Status[SeqOut]:
    """Send a message; the same ``cid`` again is stored once and answers with the same seq."""
    seq = services.message_send(
        by=actor_for(request.user), conversation_id=conversation_id, text=payload.text, cid=payload.cid
    )
    return Status(201, SeqOut(seq=seq))


@router.post("/conversations/{conversation_id}/read", response=SeqOut)
def conversation_read(request: HttpRequest, conversation_id: Id, payload: ConversationReadIn) -> SeqOut:
    upto = services.conversation_read(by=actor_for(request.user), conversation_id=conversation_id, upto=payload.upto)
    return SeqOut(seq=upto)


@router.post("/conversations/{conversation_id}/report", response={201: SeqOut})
def message_report(request: HttpRequest, conversation_id: Id, payload: AbuseIn) -> Status[SeqOut]:
    """Send one received message (and nothing else) to moderation as abuse, with your consent."""
    services.message_report(
        by=actor_for(request.user),
        conversation_id=conversation_id,
        seq=payload.seq,
        reason=payload.reason,
        consent=payload.consent,
    )
    return Status(201, SeqOut(seq=payload.seq))


# --- Thought reports -----------------------------------------------------------------------------


@router.get("/writings", response=list[WritingOut])
def writings_own(request: HttpRequest) -> list[WritingOut]:
    return [WritingOut.of(w) for w in selectors.writings_own(actor=actor_for(request.user)).select_related("author")]


@router.post("/writings", response={201: WritingOut})
def writing_create(request: HttpRequest, payload: WritingIn) -> Status[WritingOut]:
    writing = services.writing_create(by=actor_for(request.user), **payload.model_dump())
    return Status(201, WritingOut.of(writing))


@router.get("/writings/review-organisations", response=list[ReviewOrganisationOut])
def review_organisations(request: HttpRequest) -> list[ReviewOrganisationOut]:
    """Organisations whose members' reports you read and review (their subtrees included)."""
    return [
        ReviewOrganisationOut(id=o.pk, name=o.name)
        for o in selectors.reviewable_organisations(actor=actor_for(request.user))
    ]


@router.get("/writings/branch", response=list[WritingOut])
def writings_branch(request: HttpRequest, query: Query[BranchQuery]) -> list[WritingOut]:
    """Submitted and reviewed writings of an organisation's subtree, for its reviewers; filtered
    by period (year, quarter) and status."""
    actor = actor_for(request.user)
    rows = selectors.writings_for_branch(
        actor=actor,
        organisation=selectors.organisation_get(organisation_id=query.organisation),
        year=query.year,
        quarter=query.quarter,
        status=query.status,
    )
    return [WritingOut.of(w) for w in rows.prefetch_related("files")[:500]]


@router.get("/writings/missing", response=list[MailboxPersonOut])
def writings_missing(request: HttpRequest, query: Query[MissingQuery]) -> list[MailboxPersonOut]:
    """Members of the subtree with no thought report submitted for the quarter (default: this one)."""
    this_year, this_quarter = services.current_period()
    rows = selectors.members_without_report(
        actor=actor_for(request.user),
        organisation=selectors.organisation_get(organisation_id=query.organisation),
        year=query.year or this_year,
        quarter=query.quarter or this_quarter,
    )
    return [MailboxPersonOut.of(m) for m in rows[:1000]]


@router.get("/writings/{writing_id}", response=WritingOut)
def writing_get(request: HttpRequest, writing_id: Id) -> WritingOut:
    return WritingOut.of(selectors.writing_get_for(actor=actor_for(request.user), writing_id=writing_id))


@router.patch("/writings/{writing_id}", response=WritingOut)
def writing_update(request: HttpRequest, writing_id: Id, payload: WritingEditIn) -> WritingOut:
    """Change a draft (a submitted report is final)."""
    writing = services.writing_update(
        by=actor_for(request.user), writing_id=writing_id, title=payload.title, text=payload.text
    )
    return WritingOut.of(writing)


@router.post("/writings/{writing_id}/files", response={201: WritingOut})
def writing_attach(request: HttpRequest, writing_id: Id, files: File[list[UploadedFile]]) -> Status[WritingOut]:
    """Attach images or PDFs to a draft (multipart ``files``); typed by their bytes."""
    actor = actor_for(request.user)
    services.writing_attach(by=actor, writing_id=writing_id, uploads=[(f.name or "file", f) for f in files])
    return Status(201, WritingOut.of(selectors.writing_get_for(actor=actor, writing_id=writing_id)))


@router.post("/writings/{writing_id}/submit", response=WritingOut)
def writing_submit(request: HttpRequest, writing_id: Id) -> WritingOut:
    return WritingOut.of(services.writing_submit(by=actor_for(request.user), writing_id=writing_id))


@router.post("/writings/{writing_id}/comments", response={201: WritingOut})
def writing_comment(request: HttpRequest, writing_id: Id, payload: WritingTextIn) -> Status[WritingOut]:
    actor = actor_for(request.user)
    services.writing_comment(by=actor, writing_id=writing_id, text=payload.text)
    return Status(201, WritingOut.of(selectors.writing_get_for(actor=actor, writing_id=writing_id)))


@router.post("/writings/{writing_id}/review", response=WritingOut)
def writing_review(request: HttpRequest, writing_id: Id, payload: WritingTextIn | None = None) -> WritingOut:
    writing = services.writing_review(
        by=actor_for(request.user), writing_id=writing_id, comment=payload.text if payload else ""
    )
    return WritingOut.of(writing)


# --- The report mailbox ------------------------------------------------------------------------------


@router.post("/tips", response={201: TipFiledOut})
def tip_file(
    request: HttpRequest,
    organisation: Form[Id],
    subject: Form[str],
    text: Form[str],
    person_concerned: Form[str] = "",
    named: Form[bool] = False,
    files: File[list[UploadedFile] | None] = None,
) -> Status[TipFiledOut]:
    """File a report (multipart form). The receipt code in the answer is shown this once."""
    tip, code = services.tip_file(
        by=actor_for(request.user),
        organisation_id=organisation,
        subject=subject,
        text=text,
        person_concerned=person_concerned,
        named=named,
        uploads=[(f.name or "file", f) for f in files or []],
    )
    return Status(201, TipFiledOut(id=tip.public_id, receipt_code=code))


@router.post("/tips/follow-up", response=TipOut, auth=None)
def tip_follow_up(request: HttpRequest, payload: ReceiptIn) -> TipOut:
    """The reporter reads their report and the inspectors' replies with the receipt code."""
    tip = services.tip_by_receipt(code=payload.receipt_code, client=request.META.get("REMOTE_ADDR"))
    return TipOut.of(tip, reporter_view=True)


@router.post("/tips/follow-up/add", response={201: TipOut}, auth=None)
def tip_add_information(request: HttpRequest, payload: ReceiptTextIn) -> Status[TipOut]:
    entry = services.tip_add_information(
        code=payload.receipt_code, text=payload.text, client=request.META.get("REMOTE_ADDR")
    )
    return Status(201, TipOut.of(entry.tip, reporter_view=True))


@router.get("/tips", response=list[TipSummaryOut])
def tips(request: HttpRequest, status: str | None = None) -> list[TipSummaryOut]:
    """Reports addressed to where you are a discipline inspector (or below): subjects, statuses
    and dates. Listing them is recorded in the archive; a report's text is read one at a time."""
    return [
        TipSummaryOut(
            id=t.public_id,
            organisation=t.organisation.name,
            subject=t.subject,
            status=t.status,
            received_on=t.received_on,
            named=t.named_reporter_id is not None,
        )
        for t in access_log.tips_list_read(actor=actor_for(request.user), status=status)
    ]


@router.get("/tips/{public_id}", response=TipOut)
def tip_get(request: HttpRequest, public_id: str) -> TipOut:
    """One report (the read is written to the archive)."""
    return TipOut.of(access_log.tip_read(actor=actor_for(request.user), public_id=public_id))


@router.post("/tips/{public_id}/replies", response={201: TipOut})
def tip_reply(request: HttpRequest, public_id: str, payload: WritingTextIn) -> Status[TipOut]:
    entry = services.tip_reply(by=actor_for(request.user), public_id=public_id, text=payload.text)
    return Status(201, TipOut.of(entry.tip))


@router.post("/tips/{public_id}/status", response=TipOut)
def tip_status(request: HttpRequest, public_id: str, payload: StatusIn) -> TipOut:
    return TipOut.of(services.tip_status_set(by=actor_for(request.user), public_id=public_id, status=payload.status))
