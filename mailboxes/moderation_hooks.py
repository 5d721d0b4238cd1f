"""A reported mailbox message as moderation content: the copy of that one message, for the review
queue. Nothing else of the conversation is reachable from it."""

from __future__ import annotations

from mailboxes.models import MessageReport
from members.access import Actor
from members.models import Member, Organisation
from moderation.content import ContentKind, content_kind_register


def _organisation_of(report: MessageReport) -> Organisation:
    return Member.objects.select_related("organisation").get(pk=report.sender_id).organisation


def _author_of(report: MessageReport) -> Member | None:
    return report.sender


def _can_see(actor: Actor, report: MessageReport) -> bool:
    return actor.member_id == report.reporter_id


def register_content_kind() -> None:
    content_kind_register(
        ContentKind(
            model=MessageReport,
            organisation_of=_organisation_of,
            author_of=_author_of,
            text_of=lambda report: report.text,
            can_see=_can_see,
        )
    )
