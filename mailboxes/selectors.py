"""Mailbox reads. A conversation is for its two participants only, whatever roles or staff flags
anyone else holds; reports to inspection are for inspectors of that organisation or above."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from kernel.errors import Forbidden, NotFound
from mailboxes.models import Conversation, Tip, Writing, WritingStatus
from mailboxes.schemas import MessageOut
from members.access import (
    Action,
    Actor,
    can,
    conversation_partners_q,
    organisations_where,
    require_member,
    subtree_q,
)
from members.models import Member, Organisation
from moderation.models import ArchiveRecord
from realtime.models import StreamEvent
from realtime.services import stream_head, stream_heads

# --- Conversations ------------------------------------------------------------------------------


def conversation_get_for(*, actor: Actor, conversation_id: int) -> Conversation:
    require_member(actor)
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None or actor.member_id not in (conversation.first_id, conversation.second_id):
        # Not "forbidden": whether a conversation exists is itself private.
        raise NotFound(_("No such conversation."))
    return conversation


def conversation_authorise(actor: Actor, conversation_id: int) -> None:
    conversation_get_for(actor=actor, conversation_id=conversation_id)


def stream_head_of(conversation: Conversation) -> int:
    return stream_head(stream=conversation.stream)


def _messages(conversation: Conversation) -> QuerySet[StreamEvent]:
    return StreamEvent.objects.filter(stream=conversation.stream, payload__type="mailbox.message.sent")


def message_get(*, conversation: Conversation, seq: int) -> MessageOut:
    event = _messages(conversation).filter(seq=seq).first()
    if event is None:
        raise NotFound(_("No such message."))
    return MessageOut.of(event)


def messages_for(*, actor: Actor, conversation_id: int, before: int | None = None, limit: int = 50) -> list[MessageOut]:
    """A page of messages, oldest first, ending before ``before`` (a seq) or at the newest."""
    conversation = conversation_get_for(actor=actor, conversation_id=conversation_id)
    rows = _messages(conversation)
    if before is not None:
        rows = rows.filter(seq__lt=before)
    page = list(rows.order_by("-seq")[: max(1, min(limit, 200))])
    return [MessageOut.of(e) for e in reversed(page)]


def unread_in(conversation: Conversation, member_id: int) -> int:
    return (
        _messages(conversation).filter(seq__gt=conversation.read_upto(member_id)).exclude(author_id=member_id).count()
    )


def unread_total(*, member_id: int) -> int:
    return sum(row.unread for row in _conversation_rows(member_id))


@dataclass(frozen=True)
class ConversationRow:
    """One of a member's conversations: the other participant, messages unread, the stream's head."""

    conversation: Conversation
    other: Member
    unread: int
    head: int


def _conversation_rows(member_id: int) -> list[ConversationRow]:
    conversations = list(
        Conversation.objects.filter(Q(first_id=member_id) | Q(second_id=member_id)).select_related("first", "second")
    )
    if not conversations:
        return []
    streams = [c.stream for c in conversations]
    heads = stream_heads(streams=streams)
    after_read = Q(pk__in=[])
    for c in conversations:
        after_read |= Q(stream=c.stream, seq__gt=c.read_upto(member_id))
    unread = dict(
        StreamEvent.objects.filter(after_read, payload__type="mailbox.message.sent")
        .exclude(author_id=member_id)
        .values("stream")
        .annotate(n=Count("pk"))
        .values_list("stream", "n")
    )
    rows = [
        ConversationRow(
            conversation=c,
            other=c.second if c.first_id == member_id else c.first,
            unread=unread.get(c.stream, 0),
            head=heads.get(c.stream, 0),
        )
        for c in conversations
    ]
    rows.sort(key=lambda r: (-r.head, r.conversation.pk))
    return rows


def conversations_for(*, actor: Actor) -> list[ConversationRow]:
    """The actor's conversations, with the other participant and unread counts, newest first."""
    require_member(actor)
    return _conversation_rows(actor.mid)


def partners_for(*, actor: Actor) -> QuerySet[Member]:
    """Members the actor may start a conversation with."""
    require_member(actor)
    return (
        Member.objects.filter(conversation_partners_q(actor))
        .select_related("organisation")
        .distinct()
        .order_by("organisation__path", "real_name")
    )


# --- Thought reports ----------------------------------------------------------------------------


def writing_get_for(*, actor: Actor, writing_id: int) -> Writing:
    """The writer sees their own; secretaries and organisers of the branch or above see submitted
    ones. Nobody else, whatever their role."""
    require_member(actor)
    writing = Writing.objects.select_related("author", "organisation").filter(pk=writing_id).first()
    if writing is None:
        raise NotFound(_("No such report."))
    if writing.author_id == actor.member_id:
        return writing
    if writing.status != WritingStatus.DRAFT and can(actor, Action.REVIEW_THOUGHT_REPORTS, writing.organisation):
        return writing
    raise NotFound(_("No such report."))


def writings_own(*, actor: Actor) -> QuerySet[Writing]:
    require_member(actor)
    return Writing.objects.filter(author_id=actor.member_id).select_related("organisation")


def organisation_get(*, organisation_id: int) -> Organisation:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound(_("No such organisation."))
    return organisation


def reviewable_organisations(*, actor: Actor) -> list[Organisation]:
    """Organisations where the actor reviews thought reports (their subtrees included)."""
    return list(Organisation.objects.filter(path__in=organisations_where(actor, Action.REVIEW_THOUGHT_REPORTS)))


def writings_for_branch(
    *,
    actor: Actor,
    organisation: Organisation,
    year: int | None = None,
    quarter: int | None = None,
    status: str | None = None,
) -> QuerySet[Writing]:
    """Submitted and reviewed writings of an organisation's subtree, for its reviewers."""
    if not can(actor, Action.REVIEW_THOUGHT_REPORTS, organisation):
        raise Forbidden()
    rows = Writing.objects.filter(subtree_q([organisation.path])).exclude(status=WritingStatus.DRAFT)
    if year:
        rows = rows.filter(year=year)
    if quarter:
        rows = rows.filter(quarter=quarter)
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("author", "organisation").annotate(n_comments=Count("comments"))


def members_without_report(*, actor: Actor, organisation: Organisation, year: int, quarter: int) -> QuerySet[Member]:
    """Members of the subtree with no thought report submitted for that quarter."""
    if not can(actor, Action.REVIEW_THOUGHT_REPORTS, organisation):
        raise Forbidden()
    submitted = Writing.objects.filter(
        author=OuterRef("pk"), year=year, quarter=quarter, kind="thought_report"
    ).exclude(status=WritingStatus.DRAFT)
    return (
        Member.objects.filter(subtree_q([organisation.path]))
        .exclude(Exists(submitted))
        .select_related("organisation")
        .order_by("organisation__path", "real_name")
    )


# --- The report mailbox ------------------------------------------------------------------------


def tip_get_for(*, actor: Actor, public_id: str) -> Tip:
    """A report for an inspector of its organisation or above. Showing it to the inspector is
    archived: pages and the API read through ``mailboxes.access_log.tip_read``."""
    require_member(actor)
    tip = Tip.objects.select_related("organisation").filter(public_id=public_id).first()
    if tip is None or not can(actor, Action.READ_REPORTS, tip.organisation):
        raise NotFound(_("No such report."))
    return tip


def tips_for(*, actor: Actor, status: str | None = None) -> QuerySet[Tip]:
    """Reports addressed to organisations where the actor is an inspector (or below them)."""
    require_member(actor)
    paths = organisations_where(actor, Action.READ_REPORTS)
    rows = Tip.objects.filter(subtree_q(paths)).select_related("organisation")
    if status:
        rows = rows.filter(status=status)
    return rows


def is_inspector(actor: Actor) -> bool:
    """Whether the actor reads reports anywhere (the inspectors' menu is shown to them alone)."""
    return actor.is_member and bool(organisations_where(actor, Action.READ_REPORTS))


def tips_new_count(*, actor: Actor) -> int:
    """Reports no inspector has opened or listed yet, among those the actor reads (0 for anyone
    who reads none). Counting reads nothing of the reports and records nothing."""
    if not is_inspector(actor):
        return 0
    refs = [f"mailbox.tip:{p}" for p in tips_for(actor=actor, status="received").values_list("public_id", flat=True)]
    if not refs:
        return 0
    seen = ArchiveRecord.objects.filter(kind="mailbox.tip.access", content_ref__in=refs, payload__action="received")
    return len(refs) - seen.count()


def tips_list_for(*, actor: Actor, status: str | None = None, limit: int = 200) -> list[Tip]:
    """The inspector's list (subjects, statuses, dates). Showing it is a read of those reports:
    pages and the API read through ``mailboxes.access_log.tips_list_read``."""
    return list(tips_for(actor=actor, status=status)[:limit])


def mailbox_search_for(*, actor: Actor, query: str, limit: int = 20) -> dict[str, list[Any]]:
    """The site search's part of the mailboxes: messages of the actor's own conversations and
    the writings the actor may read (their own, and submitted ones they review)."""
    require_member(actor)
    query = query.strip()
    if not query:
        return {"messages": [], "writings": []}
    mine = list(
        Conversation.objects.filter(Q(first_id=actor.mid) | Q(second_id=actor.mid)).select_related("first", "second")
    )
    by_stream = {c.stream: c for c in mine}
    events = (
        StreamEvent.objects.filter(
            stream__in=list(by_stream), payload__type="mailbox.message.sent", payload__text__icontains=query
        ).order_by("-pk")[:limit]
        if by_stream
        else []
    )
    messages = []
    for event in events:
        conversation = by_stream[event.stream]
        other = conversation.second if conversation.first_id == actor.mid else conversation.first
        messages.append(
            {"conversation": conversation, "other": other, "text": event.payload.get("text", ""), "seq": event.seq}
        )
    reviewed = organisations_where(actor, Action.REVIEW_THOUGHT_REPORTS)
    readable = Q(author_id=actor.mid)
    if reviewed:
        readable |= subtree_q(reviewed) & ~Q(status=WritingStatus.DRAFT)
    writings = list(
        Writing.objects.filter(readable)
        .filter(Q(title__icontains=query) | Q(text__icontains=query))
        .select_related("author")
        .order_by("-pk")[:limit]
    )
    return {"messages": messages, "writings": writings}
