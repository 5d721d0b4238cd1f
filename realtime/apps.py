from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = _("Realtime gateway")

    def ready(self) -> None:
        from django.conf import settings

        from realtime import revocation
        from realtime.streams import register_builtin

        register_builtin()
        # Who may see what (members/access.py) reads these; a logout ends the session's sockets.
        revocation.watch(settings.AUTH_USER_MODEL, "members.Member", "members.Organisation", "members.Role")
        revocation.watch_logouts()
