from django.urls import path

from meetings import schedule_views, views

app_name = "meetings"

urlpatterns = [
    path("", schedule_views.calendar_page, name="calendar"),
    path("new/", schedule_views.schedule_page, name="schedule"),
    path("<id:meeting_id>/", schedule_views.detail_page, name="detail"),
    path("<id:meeting_id>/minutes/", schedule_views.minutes_page, name="minutes"),
    path("<id:meeting_id>/edit/", schedule_views.edit_page, name="edit"),
    path("<id:meeting_id>/attachments/<id:attachment_id>/", schedule_views.attachment_file, name="attachment"),
    path("stats/<id:org_id>/", schedule_views.stats_page, name="stats"),
    # The live room's routes (meetings/views.py) go below.
    path("<id:meeting_id>/room/", views.room, name="room"),
    # A lesson's pages under meetings/ are the lessons app's (lessons/urls.py).
]
