"""The forum's durable events (docs/protocol.md, "Forum"): one model per type.

Posts go to ``forum.thread:<id>``, threads to ``forum.board:<id>`` (and, when they change, to the
thread's own stream); notices for one member to ``user:<id>``.
"""

from __future__ import annotations

from typing import Literal

from forum.schemas import NotificationOut, PostOut, ThreadOut
from realtime.events import Event


class PostCreated(Event):
    type: Literal["forum.post.created"] = "forum.post.created"
    post: PostOut


class PostEdited(Event):
    type: Literal["forum.post.edited"] = "forum.post.edited"
    post: PostOut


class PostHidden(Event):
    type: Literal["forum.post.hidden"] = "forum.post.hidden"
    post_id: int


class PostDeleted(Event):
    type: Literal["forum.post.deleted"] = "forum.post.deleted"
    post_id: int


class PostReactions(Event):
    type: Literal["forum.post.reactions"] = "forum.post.reactions"
    post_id: int
    reactions: dict[str, int]


class ThreadCreated(Event):
    type: Literal["forum.thread.created"] = "forum.thread.created"
    thread: ThreadOut


class ThreadUpdated(Event):
    type: Literal["forum.thread.updated"] = "forum.thread.updated"
    thread: ThreadOut


class ThreadHidden(Event):
    type: Literal["forum.thread.hidden"] = "forum.thread.hidden"
    thread_id: int


class ThreadDeleted(Event):
    type: Literal["forum.thread.deleted"] = "forum.thread.deleted"
    thread_id: int


class NotificationCreated(Event):
    type: Literal["forum.notification.created"] = "forum.notification.created"
    notification: NotificationOut
    unread: int


class NotificationsRead(Event):
    type: Literal["forum.notifications.read"] = "forum.notifications.read"
    unread: int
