from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchConfig(AppConfig):
    name = "branch"
    verbose_name = _("Branch affairs")

    def ready(self) -> None:
        from branch.streams import register_streams

        register_streams()
