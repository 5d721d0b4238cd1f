from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailboxConfig(AppConfig):
    name = "mailboxes"
    # The tables, migrations and URL names keep the label the app had before it was renamed.
    label = "mailbox"
    verbose_name = _("Mailboxes")

    def ready(self) -> None:
        from mailboxes.moderation_hooks import register_content_kind
        from mailboxes.streams import register_streams

        register_streams()
        register_content_kind()
