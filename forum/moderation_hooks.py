"""Forum posts as moderation content: flags, the review queue and the archive call back here."""

from __future__ import annotations

from forum import rules, services
from forum.models import Post
from members.access import Actor
from members.models import Member, Organisation
from moderation.content import ContentKind, content_kind_register


def _organisation_of(post: Post) -> Organisation:
    return post.thread.board.organisation


def _author_of(post: Post) -> Member | None:
    return post.author


def _text_of(post: Post) -> str:
    return post.html


def _can_see(actor: Actor, post: Post) -> bool:
    thread = post.thread
    return (
        post.deleted_at is None
        and thread.deleted_at is None
        and rules.board_visible(actor, thread.board)
        and rules.can_see_post(actor, post, thread.board)
    )


def register_content_kind() -> None:
    content_kind_register(
        ContentKind(
            model=Post,
            organisation_of=_organisation_of,
            author_of=_author_of,
            text_of=_text_of,
            can_see=_can_see,
            on_hidden=services.post_hide,
            on_approved=services.post_approve,
            on_rejected=services.post_reject,
            text_format="rich",
        )
    )
