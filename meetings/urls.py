from django.urls import path

from meetings import lesson_views, schedule_views, views

app_name = "meetings"

urlpatterns = [
    path("", schedule_views.calendar_page, name="calendar"),
    path("new/", schedule_views.schedule_page, name="schedule"),
    path("<int:meeting_id>/", schedule_views.detail_page, name="detail"),
    path("<int:meeting_id>/minutes/", schedule_views.minutes_page, name="minutes"),
    path("<int:meeting_id>/edit/", schedule_views.edit_page, name="edit"),
    path("<int:meeting_id>/attachments/<int:attachment_id>/", schedule_views.attachment_file, name="attachment"),
    path("stats/<int:org_id>/", schedule_views.stats_page, name="stats"),
    # The live room's routes (meetings/views.py) go below.
    path("<int:meeting_id>/room/", views.room, name="room"),
    # Lessons (meetings/lesson_views.py).
    path("<int:meeting_id>/slides/<int:deck_id>/<int:page>.webp", lesson_views.slide_image, name="slide_image"),
    path("<int:meeting_id>/replay/", lesson_views.replay_page, name="replay"),
    path("<int:meeting_id>/recordings/<int:recording_id>/", lesson_views.recording_file, name="recording_file"),
    path("study/", lesson_views.study_me_page, name="study_me"),
    path("study/<int:org_id>/", lesson_views.study_org_page, name="study_org"),
]
