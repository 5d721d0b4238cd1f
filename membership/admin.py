"""The admin of organisations, members and roles (site staff). It lives here, above the guard,
because names typed in it pass the confidentiality guard (moderation.admin.GuardedAdmin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from members import services
from members.access import SYSTEM
from members.models import Member, Organisation, Role
from moderation.admin import GuardedAdmin


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Organisation)
class OrganisationAdmin(GuardedAdmin):
    list_display = ["indented_name", "code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: Organisation) -> str:
        return "— " * obj.depth + obj.name

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        # The path is derived from the parent; the services keep it right for the whole subtree.
        if not change:
            created = services.organisation_create(
                by=SYSTEM, name=obj.name, code=obj.code, kind=obj.kind, parent=obj.parent
            )
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
            return
        previous = Organisation.objects.get(pk=obj.pk)
        obj.path, obj.depth = previous.path, previous.depth
        new_parent = obj.parent
        obj.parent = previous.parent
        super().save_model(request, obj, form, change)
        if new_parent is not None and new_parent.pk != previous.parent_id:
            services.organisation_move(by=SYSTEM, organisation=obj, new_parent=new_parent)


@admin.register(Member)
class MemberAdmin(GuardedAdmin):
    list_display = ["real_name", "user", "status", "organisation", "is_migrant"]
    list_filter = ["status", "is_migrant"]
    search_fields = ["real_name", "user__username", "phone"]
    autocomplete_fields = ["organisation", "user"]
    inlines = [RoleInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["member", "kind", "organisation"]
    list_filter = ["kind"]
    search_fields = ["member__real_name", "organisation__name"]
    autocomplete_fields = ["member", "organisation"]
