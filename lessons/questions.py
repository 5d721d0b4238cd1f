"""Questions (提问) in a lesson room: asked by participants through the moderation pipeline,
upvoted by the others (one vote per member, withdrawable), ordered by votes then time, marked
answered by the lecturer or a host. Everything is a durable event on ``meeting:<id>``:

* ``lessons.question.shown`` — a question became visible (asked, or approved by a moderator);
* ``lessons.question.voted`` — ``id``, ``votes``;
* ``lessons.question.answered`` — ``id``, ``answered``;
* ``lessons.question.hidden`` — ``id`` (moderation took it away).

A held question is shown to nobody but its author until a moderator approves it; its author is
told it waits, and told the reason on ``user:<id>`` (``lessons.question.rejected``) if it is
rejected. Its author's page keeps a question that flags hid or a moderator rejected, saying so.
"""

from __future__ import annotations

from typing import cast

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import Forbidden, Invalid, NotFound
from lessons import events
from lessons.models import Question, QuestionVote
from lessons.rules import QUESTION_MAX_CHARS, require_lesson, require_presenter
from lessons.schemas import AnsweredOut, AskedOut, ItemStatus, StateQuestionOut, VoteOut
from meetings import room
from meetings.models import Meeting
from members.access import Actor, require_member
from members.models import Member, Organisation
from moderation.content import ContentKind, content_kind_register
from moderation.models import ContentStatus
from realtime.events import Event
from realtime.services import event_append
from realtime.streams import user_stream


def question_shown(question: Question) -> events.QuestionShown:
    return events.QuestionShown(
        id=question.pk,
        author=question.author_id,
        name=question.author.real_name,
        text=question.text,
        votes=question.votes,
        answered=question.answered_at is not None,
        at=question.created.isoformat(),
    )


def question_out(question: Question, *, mine: set[int]) -> StateQuestionOut:
    """A question as the lesson's state lists it: its event, what became of it (``status``, and a
    moderator's ``reason``), and whether ``mine`` has its vote."""
    return StateQuestionOut(
        **question_shown(question).model_dump(), status=cast(ItemStatus, question.status),
        reason=question.status_reason, voted=question.pk in mine,
    )  # fmt: skip


def visible_questions(meeting: Meeting, *, member_id: int | None = None) -> QuerySet[Question]:
    """Ordered as the room shows them: most votes first, then the earlier question. The published
    ones, and ``member_id``'s own others (held, hidden or rejected), which only they see."""
    shown = Q(status=ContentStatus.PUBLISHED) | Q(author_id=member_id or 0)
    return (
        Question.objects.filter(meeting=meeting)
        .filter(shown)
        .select_related("author")
        .order_by("-votes", "created", "pk")
    )


def question_list(*, meeting: Meeting, actor: Actor) -> list[StateQuestionOut]:
    """The published questions and the actor's own, each saying whether ``actor`` upvoted it
    (the caller has read the meeting through the access policy)."""
    questions = list(visible_questions(meeting, member_id=actor.member_id)[:500])
    mine = set(
        QuestionVote.objects.filter(question__in=questions, member_id=actor.mid).values_list("question_id", flat=True)
    )
    return [question_out(q, mine=mine) for q in questions]


def _question_in(meeting: Meeting, question_id: int) -> Question:
    question = (
        Question.objects.select_related("author")
        .filter(pk=question_id, meeting=meeting, status=ContentStatus.PUBLISHED)
        .first()
    )
    if question is None:
        raise NotFound(_("No such question in this lesson."))
    return question


def _append(meeting_id: int, payload: Event, *, author: int | None = None) -> None:
    event_append(stream=room.room_stream(meeting_id), payload=payload, author=author)


def question_ask(*, by: Actor, meeting: Meeting, text: str) -> AskedOut:
    """Ask through the moderation pipeline: published, held for a moderator, or refused
    (``content_blocked`` with the reason, nothing stored)."""
    from moderation.pipeline import moderate
    from moderation.services import content_submit

    require_member(by)
    require_lesson(meeting)
    if not room.is_participant(meeting, by.member_id):
        raise Forbidden()
    text = text.strip()
    if not text:
        raise Invalid(_("The question is empty."))
    if len(text) > QUESTION_MAX_CHARS:
        raise Invalid(_("A question has at most %(n)d characters.") % {"n": QUESTION_MAX_CHARS})
    decision = moderate(text=text, kind="plain", author=by, organisation=meeting.organisation)
    with transaction.atomic():
        question = Question.objects.create(
            meeting=meeting,
            author_id=by.mid,
            text=decision.text,
            status=ContentStatus.PUBLISHED if decision.published else ContentStatus.HELD,
        )
        content_submit(obj=question, decision=decision, by=by)
        if question.status == ContentStatus.PUBLISHED:
            _append(meeting.pk, question_shown(question), author=by.mid)
    return AskedOut(id=question.pk, status=question.status, text=question.text)


def question_vote(*, by: Actor, meeting: Meeting, question_id: int, up: bool = True) -> VoteOut:
    """Upvote (once per member) or withdraw one's vote; one's own question takes no vote."""
    require_member(by)
    if not room.is_participant(meeting, by.member_id):
        raise Forbidden()
    with transaction.atomic():
        question = _question_in(meeting, question_id)
        question = Question.objects.select_for_update().get(pk=question.pk)
        if question.author_id == by.member_id:
            raise Invalid(_("You cannot vote for your own question."))
        if up:
            try:
                with transaction.atomic():
                    QuestionVote.objects.create(question=question, member_id=by.mid)
                changed = True
            except IntegrityError:
                changed = False
        else:
            changed = QuestionVote.objects.filter(question=question, member_id=by.mid).delete()[0] > 0
        if changed:
            question.votes = QuestionVote.objects.filter(question=question).count()
            question.save(update_fields=["votes"])
            _append(meeting.pk, events.QuestionVoted(id=question.pk, votes=question.votes))
    return VoteOut(id=question.pk, votes=question.votes, voted=up)


def question_answer(*, by: Actor, meeting: Meeting, question_id: int, answered: bool = True) -> AnsweredOut:
    """The lecturer or a host marks a question answered (or not yet)."""
    require_presenter(by, meeting)
    with transaction.atomic():
        question = _question_in(meeting, question_id)
        if (question.answered_at is not None) != answered:
            question.answered_at = timezone.now() if answered else None
            question.answered_by_id = by.member_id if answered else None
            question.save(update_fields=["answered_at", "answered_by"])
            _append(meeting.pk, events.QuestionAnswered(id=question.pk, answered=answered))
    return AnsweredOut(id=question.pk, answered=answered)


# --- Moderation hooks -----------------------------------------------------------------------------


def question_approved(question: Question, edited: str | None) -> None:
    was_published = question.status == ContentStatus.PUBLISHED
    question.text = edited if edited is not None else question.text
    question.status = ContentStatus.PUBLISHED
    question.status_reason = ""
    question.save(update_fields=["text", "status", "status_reason"])
    if not was_published or edited is not None:
        _append(question.meeting_id, question_shown(question), author=question.author_id)


def question_hidden(question: Question) -> None:
    """Flags took a published question away until a moderator decides: the room stops showing
    it; its author's page keeps it, saying why."""
    if question.status != ContentStatus.PUBLISHED:
        return
    question.status = ContentStatus.HIDDEN
    question.save(update_fields=["status"])
    _append(question.meeting_id, events.QuestionHidden(id=question.pk))


def question_rejected(question: Question, reason: str) -> None:
    """A moderator rejected the question: gone from the room if it was there; its author is told why."""
    was_published = question.status == ContentStatus.PUBLISHED
    question.status = ContentStatus.REJECTED
    question.status_reason = reason[:500]
    question.save(update_fields=["status", "status_reason"])
    if was_published:
        _append(question.meeting_id, events.QuestionHidden(id=question.pk))
    event_append(
        stream=user_stream(question.author_id),
        payload=events.QuestionRejected(meeting=question.meeting_id, id=question.pk, reason=reason),
    )


def _organisation_of(question: Question) -> Organisation:
    return question.meeting.organisation


def _author_of(question: Question) -> Member | None:
    return question.author


def _text_of(question: Question) -> str:
    return question.text


def _can_see(actor: Actor, question: Question) -> bool:
    """A participant sees the published questions and their own (a flag on a question nobody
    was shown would tell that it exists)."""
    shown = question.status == ContentStatus.PUBLISHED or question.author_id == actor.member_id
    return shown and room.is_participant(question.meeting, actor.member_id)


def register_content_kind() -> None:
    content_kind_register(
        ContentKind(
            model=Question,
            organisation_of=_organisation_of,
            author_of=_author_of,
            text_of=_text_of,
            can_see=_can_see,
            on_hidden=question_hidden,
            on_approved=question_approved,
            on_rejected=question_rejected,
            text_format="plain",
        )
    )
