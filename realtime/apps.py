from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = _("Realtime gateway")

    def ready(self) -> None:
        from realtime.streams import register_builtin

        register_builtin()
