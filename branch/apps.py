from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchConfig(AppConfig):
    name = "branch"
    verbose_name = _("Branch affairs")

    def ready(self) -> None:
        from branch.meeting_sections import appraisal_sections
        from branch.streams import register_streams
        from meetings.sections import register

        register_streams()
        register(appraisal_sections)
