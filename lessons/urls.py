from django.urls import path

from lessons import views

app_name = "lessons"

# Mounted under meetings/ (web/urls.py): a lesson's pages sit beside its meeting's.
urlpatterns = [
    path("<int:meeting_id>/slides/<int:deck_id>/<int:page>.webp", views.slide_image, name="slide_image"),
    path("<int:meeting_id>/replay/", views.replay_page, name="replay"),
    path("<int:meeting_id>/recordings/<int:recording_id>/", views.recording_file, name="recording_file"),
    path("study/", views.study_me_page, name="study_me"),
    path("study/<int:org_id>/", views.study_org_page, name="study_org"),
]
