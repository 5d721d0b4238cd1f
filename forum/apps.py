from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _organisation_created(sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        from forum.services import boards_create_defaults

        boards_create_defaults(organisation=instance)


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Forum")

    def ready(self) -> None:
        from forum.moderation_hooks import register_content_kind
        from forum.streams import register_streams
        from realtime import revocation

        register_streams()
        register_content_kind()
        revocation.watch("forum.Board")  # a board's visibility or organisation
        post_save.connect(_organisation_created, sender="members.Organisation", dispatch_uid="forum.default_boards")
