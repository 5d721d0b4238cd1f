"""The forum's permission rules, stated in terms of the access policy (members.access).

Pure functions of an :class:`Actor` and a board, so pages, the API and socket commands agree.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from forum.models import Board, Post, Thread
from kernel.errors import Forbidden, NotAuthenticated
from members.access import Action, Actor, can, can_see, has_role, require_member
from members.models import RoleKind

MANAGER_ROLES = (RoleKind.MODERATOR, RoleKind.SECRETARY)


def board_visible(actor: Actor, board: Board) -> bool:
    return can_see(actor, visibility=board.visibility, organisation=board.organisation)


def require_board_visible(actor: Actor, board: Board) -> None:
    if not board_visible(actor, board):
        if actor.user_id is None and not actor.is_system:
            raise NotAuthenticated()
        raise Forbidden(_("This board is not open to you."))


def can_moderate(actor: Actor, board: Board) -> bool:
    """Moderators: delete others' posts, see held and hidden posts."""
    return can(actor, Action.MODERATE, board.organisation)


def can_manage_threads(actor: Actor, board: Board) -> bool:
    """Pin, lock and move: moderators and secretaries of the board's organisation or above."""
    return actor.is_system or has_role(actor, MANAGER_ROLES, board.organisation)


def can_start_thread(actor: Actor, board: Board) -> bool:
    if not actor.is_member and not actor.is_system:
        return False
    if board.announcements:
        return can(actor, Action.POST_ANNOUNCEMENT, board.organisation)
    return board_visible(actor, board)


def require_start_thread(actor: Actor, board: Board) -> None:
    require_member(actor)
    require_board_visible(actor, board)
    if not can_start_thread(actor, board):
        raise Forbidden(_("Only secretaries and publicity commissioners start threads on this board."))


def require_manage_threads(actor: Actor, board: Board) -> None:
    require_member(actor)
    if not can_manage_threads(actor, board):
        raise Forbidden(_("Only moderators and secretaries may do this."))


def can_delete_post(actor: Actor, post: Post, board: Board) -> bool:
    return (actor.is_member and post.author_id == actor.member_id) or can_moderate(actor, board)


def can_see_unpublished_thread(actor: Actor, thread: Thread) -> bool:
    """A thread whose opening post awaits review (or was withdrawn): its author and moderators."""
    return thread.published or (
        (actor.is_member and thread.author_id == actor.member_id) or can_moderate(actor, thread.board)
    )


def can_see_all_revisions(actor: Actor, post: Post, board: Board) -> bool:
    """The whole edit history, versions that did not pass moderation included."""
    return (actor.is_member and post.author_id == actor.member_id) or can_moderate(actor, board)


def can_see_post(actor: Actor, post: Post, board: Board) -> bool:
    """Within a visible thread: public posts to all; held, rejected, hidden ones to their author
    and moderators. Deleted posts show as a placeholder (their content is not served)."""
    if post.status == "published" and not post.hidden:
        return True
    return (actor.is_member and post.author_id == actor.member_id) or can_moderate(actor, board)
