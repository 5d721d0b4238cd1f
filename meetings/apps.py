from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from meetings.models import AdmissionStatus
        from meetings.moderation_hooks import register_content_kind
        from meetings.streams import register_streams
        from realtime import revocation

        register_streams()
        register_content_kind()
        # Who is in a meeting's room: its organisation and invitees, and the lobby's decisions.
        revocation.watch("meetings.Meeting", "meetings.Invitation")
        # Entering the lobby (admitted, or waiting) takes nothing away; a denial or removal does.
        revocation.watch(
            "meetings.Admission", revokes=lambda a: a.status in (AdmissionStatus.DENIED, AdmissionStatus.REMOVED)
        )
