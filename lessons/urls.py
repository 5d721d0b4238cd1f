from django.urls import path

from lessons import views

app_name = "lessons"

# Mounted under meetings/ (web/urls.py): a lesson's pages sit beside its meeting's.
urlpatterns = [
    path("<id:meeting_id>/slides/<id:deck_id>/<id:page>.webp", views.slide_image, name="slide_image"),
    path("<id:meeting_id>/replay/", views.replay_page, name="replay"),
    path("<id:meeting_id>/recordings/<id:recording_id>/", views.recording_file, name="recording_file"),
    path("study/", views.study_me_page, name="study_me"),
    path("study/<id:org_id>/", views.study_org_page, name="study_org"),
]
