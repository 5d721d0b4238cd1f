"""Admin for boards (created and arranged by staff; their names and descriptions pass the guard).
Threads and posts are not in the admin: site staff are not readers of members' content
(members/access.py), and content changes only through the services and the moderators' pages."""

from __future__ import annotations

from django.contrib import admin

from forum.models import Board
from moderation.admin import GuardedAdmin


@admin.register(Board)
class BoardAdmin(GuardedAdmin):
    list_display = ("name", "organisation", "visibility", "announcements", "position")
    list_filter = ("visibility", "announcements")
    search_fields = ("name", "organisation__name")
    raw_id_fields = ("organisation",)
