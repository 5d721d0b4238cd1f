from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LessonsConfig(AppConfig):
    name = "lessons"
    verbose_name = _("Lessons")

    def ready(self) -> None:
        from lessons import questions, recordings, study
        from lessons.streams import LESSON_COMMANDS
        from lessons.views import room_context
        from meetings.media.records import records
        from meetings.views import room_extra
        from realtime.registry import add_commands

        # A lesson is a meeting: its commands ride on the room's stream, its panel on the room's
        # page, and the media worker stores its study time and recordings through these.
        add_commands("meeting", LESSON_COMMANDS)
        room_extra(room_context)
        records.study_credit = study.study_credit
        records.recording_saved = recordings.recording_saved
        questions.register_content_kind()
