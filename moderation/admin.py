from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest

from members.access import Actor, actor_for
from moderation.doors import is_guarded
from moderation.models import (
    ArchiveRecord,
    Flag,
    ModerationPolicy,
    QueueItem,
    Sanction,
    StaffAction,
    WordEntry,
    WordList,
)
from moderation.pipeline import ContentBlocked, guard_texts


def _guard(value: str, *, actor: Actor) -> None:
    try:
        guard_texts(texts=[value], author=actor, sanctions=False)
    except ContentBlocked as blocked:
        raise ValidationError(str(blocked.message), code="content_blocked") from None


class GuardedAdmin(admin.ModelAdmin):
    """Text typed into the admin passes the confidentiality guard like text typed anywhere else:
    a field that moderation.doors lists as guarded refuses a classification marking on the form
    (the attempt archived, nothing saved). Every admin of a model with such a field uses this
    (tests/moderation/test_doors.py walks the admin)."""

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and is_guarded(f"{db_field.model._meta.label}.{db_field.name}"):
            field.validators.append(partial(_guard, actor=actor_for(request.user)))
        return field


class WordEntryInline(admin.TabularInline):
    model = WordEntry
    extra = 3
    fields = ["word", "action", "note"]


@admin.register(WordList)
class WordListAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "updated"]
    search_fields = ["name", "entries__word"]
    inlines = [WordEntryInline]


@admin.register(WordEntry)
class WordEntryAdmin(admin.ModelAdmin):
    list_display = ["word", "action", "word_list"]
    list_filter = ["action", "word_list"]
    search_fields = ["word"]


@admin.register(ModerationPolicy)
class ModerationPolicyAdmin(admin.ModelAdmin):
    list_display = ["organisation", "flag_threshold"]


@admin.register(QueueItem)
class QueueItemAdmin(admin.ModelAdmin):
    list_display = ["pk", "content_type", "object_id", "reason", "status", "level", "claimed_by", "created"]
    list_filter = ["status", "reason"]
    # No content: the excerpt and the details (reasons, words, members' flag notes) are members'
    # text, read on the moderators' pages through the access policy.
    exclude = ["excerpt", "details"]
    readonly_fields = [f.name for f in QueueItem._meta.fields if f.name not in ("excerpt", "details")]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    exclude = ["note"]  # a member's text
    list_display = ["content_type", "object_id", "flagger", "reason", "created"]
    list_filter = ["reason"]


@admin.register(Sanction)
class SanctionAdmin(GuardedAdmin):
    list_display = ["member", "kind", "starts", "ends", "lifted_at"]
    list_filter = ["kind"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(StaffAction)
class StaffActionAdmin(ReadOnlyAdmin):
    list_display = ["created", "actor", "verb", "organisation", "target"]
    list_filter = ["verb"]


@admin.register(ArchiveRecord)
class ArchiveRecordAdmin(ReadOnlyAdmin):
    """The chain's metadata only: the payloads hold content snapshots, which site staff do not
    read (members/access.py); moderators read them through the action log."""

    list_display = ["seq", "kind", "content_ref", "actor_id", "created", "hash"]
    list_filter = ["kind"]
    exclude = ["payload"]
