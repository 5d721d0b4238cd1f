"""Admin for boards (created and arranged by staff); content is changed only through the services,
so posts, revisions and notifications are shown read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from forum.models import Board, Post, PostRevision, Thread


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "visibility", "announcements", "position")
    list_filter = ("visibility", "announcements")
    search_fields = ("name", "organisation__name")
    raw_id_fields = ("organisation",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Thread)
class ThreadAdmin(ReadOnly):
    list_display = ("title", "board", "author", "post_count", "pinned", "locked", "published", "created")
    list_filter = ("pinned", "locked", "published")
    search_fields = ("title",)


@admin.register(Post)
class PostAdmin(ReadOnly):
    list_display = ("pk", "thread", "author", "status", "censored", "hidden", "created", "deleted_at")
    list_filter = ("status", "censored", "hidden")


@admin.register(PostRevision)
class PostRevisionAdmin(ReadOnly):
    list_display = ("post", "number", "editor", "created")
