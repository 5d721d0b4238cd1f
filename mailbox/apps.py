from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailboxConfig(AppConfig):
    name = "mailbox"
    verbose_name = _("Mailboxes")

    def ready(self) -> None:
        from mailbox.moderation_hooks import register_content_kind
        from mailbox.streams import register_streams

        register_streams()
        register_content_kind()
