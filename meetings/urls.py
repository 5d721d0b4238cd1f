from django.urls import path

from meetings import schedule_views, views

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
    # A lesson's pages under meetings/ are the lessons app's (lessons/urls.py).
]
